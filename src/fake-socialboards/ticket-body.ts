/** Judges a Create Ticket body by the fake's own reading of the docs (docs/socialboards-api.md §4–§5). */
import * as v from 'valibot';
import type { Category, CustomFieldDefinition } from './definitions';

const SENTIMENTS = ['question', 'praise', 'suggestion', 'complaint'] as const;
const GUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

const isPlainObject = (input: unknown): input is Record<string, unknown> =>
  typeof input === 'object' && input !== null && !Array.isArray(input);

const isHttpUrl = (input: string) => {
  try {
    const { protocol } = new URL(input);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
};

// A strict object reports both a missing and an unknown key; `expected: 'never'` marks the unknown one.
const keyMessage = (issue: v.StrictObjectIssue) =>
  issue.expected === 'never' ? 'is not a documented field' : 'is required';

/**
 * A JSON object with exactly these keys. Unknown keys are refused: ASSUMED strict (the docs do not say
 * what Socialboards does with them), so that a misspelled field cannot be dropped without anyone noticing.
 */
const strictJsonObject = <const TEntries extends v.ObjectEntries>(entries: TEntries) =>
  v.pipe(v.custom<Record<string, unknown>>(isPlainObject, 'must be an object'), v.strictObject(entries, keyMessage));

const nonBlankText = v.pipe(
  v.string('must be a string'),
  v.check((text) => text.trim() !== '', 'must not be empty'),
);
const stringOrNull = v.optional(v.nullable(v.string('must be a string or null')));
const strings = v.array(v.string('must be a string'), 'must be an array of strings');
const integer = v.pipe(v.number('must be an integer'), v.integer('must be an integer'));

/** The Ticket Creator: only the keys of the doc example (docs/socialboards-api.md §5.1), each a string or null. */
const Creator = v.pipe(
  strictJsonObject({
    name: stringOrNull,
    email: stringOrNull,
    customIdentifier: stringOrNull,
    image: stringOrNull,
    phoneNumber: stringOrNull,
  }),
  // ASSUMED (§4 "Required fields: UNKNOWN"): a ticket needs someone to answer, by name or e-mail.
  v.check((creator) => Boolean(creator.email?.trim() || creator.name?.trim()), 'needs an email or a name'),
);

const Attachment = strictJsonObject({
  url: v.pipe(v.string('must be a string'), v.check(isHttpUrl, 'must be an absolute http(s) URL')),
  name: nonBlankText,
});

/** Builds the schema of a Create Ticket body for a community's fields and categories. */
export function createTicketBodySchema(fields: readonly CustomFieldDefinition[], categories: readonly Category[]) {
  const fieldsById = new Map(fields.map((definition) => [definition.id, definition]));
  const categoryIds = new Set(categories.map((category) => category.id));

  const CustomFieldValue = v.pipe(
    strictJsonObject({ id: integer, value: v.string('must be a string') }),
    v.forward(
      v.check((item) => fieldsById.has(item.id), (issue) => `is not a custom field id (${String(issue.input.id)})`),
      ['id'],
    ),
    // ASSUMED: Socialboards refuses a value that is not one of a choice field's options (the doc
    // example sends "Oslo", one of the options). A multiselect takes several options joined by ","
    // (the relay's default format; the real format is UNKNOWN, docs/socialboards-api.md §6.2).
    v.forward(
      v.check((item) => {
        const definition = fieldsById.get(item.id);
        const choices = new Set(definition?.possibleValues.map((choice) => choice.value));
        if (choices.size === 0 || choices.has(item.value)) return true;
        if (definition?.type !== 'multiselect') return false;
        const parts = item.value.split(',');
        return parts.every((part) => choices.has(part)) && new Set(parts).size === parts.length;
      }, (issue) => `"${issue.input.value}" is not one of the possibleValues of custom field ${issue.input.id}`),
      ['value'],
    ),
  );

  return strictJsonObject({
    // ASSUMED required and non-blank: the docs have no "required" column for Create Ticket (§4).
    title: nonBlankText,
    message: nonBlankText,
    creator: Creator,
    isHtml: v.optional(v.boolean('must be a boolean')),
    sentiment: v.optional(v.picklist(SENTIMENTS, `must be one of ${SENTIMENTS.join(', ')}`)),
    sourceName: v.optional(v.string('must be a string')),
    categoryId: v.optional(
      v.nullable(
        v.pipe(
          integer,
          v.check((id) => categoryIds.has(id), (issue) => `is not a category id (${String(issue.input)})`),
        ),
      ),
    ),
    assigneeId: v.optional(v.nullable(v.pipe(v.string('must be a GUID string'), v.regex(GUID, 'must be a GUID')))),
    tags: v.optional(strings),
    cc: v.optional(strings),
    customFields: v.optional(
      v.pipe(
        v.array(CustomFieldValue, 'must be an array'),
        // ASSUMED: one value per field.
        v.check(
          (items) => new Set(items.map((item) => item.id)).size === items.length,
          'lists the same custom field id twice',
        ),
      ),
    ),
    attachments: v.optional(v.array(Attachment, 'must be an array')),
  });
}

/** The fake's ticket body schema. */
export type TicketBodySchema = ReturnType<typeof createTicketBodySchema>;
/** A body the fake accepts. */
export type AcceptedTicketBody = v.InferOutput<TicketBodySchema>;

function pathOf(issue: v.BaseIssue<unknown>): string {
  let path = '';
  for (const item of issue.path ?? []) {
    path += typeof item.key === 'number' ? `[${item.key}]` : `${path ? '.' : ''}${String(item.key)}`;
  }
  return path || 'body';
}

/** Judges a parsed body: the accepted body, or one text naming every bad field (`creator.email: …; title: …`). */
export function judgeTicketBody(
  schema: TicketBodySchema,
  body: unknown,
): { ok: true; body: AcceptedTicketBody } | { ok: false; errorText: string } {
  const result = v.safeParse(schema, body);
  if (result.success) return { ok: true, body: result.output };
  return { ok: false, errorText: result.issues.map((issue) => `${pathOf(issue)}: ${issue.message}`).join('; ') };
}
