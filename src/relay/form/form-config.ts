/**
 * The operator's form config file (RELAY_FORM_CONFIG): which custom fields the widget asks for or
 * fills silently, in which order, with which overrides, and the category picker. Parsed once at
 * start-up; every problem is reported with its key path (`fields[2].control must be one of …`).
 */
import * as v from 'valibot';
import { CONTROLS } from '../../shared/form-definition';
import { LIMITS } from '../../shared/limits';
import { VALUE_FORMATS, fitsControl, formatsOf } from './value-formats';
import { fail, ok } from '../../shared/result';
import type { Result } from '../../shared/result';

const POSITIVE_ID = 'must be a positive integer (a Socialboards id)';

const id = v.pipe(v.number(POSITIVE_ID), v.integer(POSITIVE_ID), v.minValue(1, POSITIVE_ID));

const text = (max: number) =>
  v.pipe(
    v.string('must be a string'),
    v.trim(),
    v.nonEmpty('must not be blank'),
    v.maxLength(max, `must be at most ${max} characters`),
  );

const flag = v.boolean('must be true or false');

/** Unknown keys are refused so a misspelt override fails at start-up instead of doing nothing. */
const strict = <const TEntries extends v.ObjectEntries>(entries: TEntries) =>
  v.strictObject(entries, (issue) =>
    issue.expected === 'never'
      ? `is not a known key (known: ${Object.keys(entries).join(', ')})`
      : issue.input === undefined
        ? 'is required'
        : 'must be an object',
  );

const FieldConfig = v.pipe(
  strict({
    id,
    label: v.optional(text(200)),
    placeholder: v.optional(text(200)),
    required: v.optional(flag),
    control: v.optional(v.picklist(CONTROLS, `must be one of ${CONTROLS.join(', ')}`)),
    format: v.optional(v.picklist(VALUE_FORMATS, `must be one of ${VALUE_FORMATS.join(', ')}`)),
    // Canonical form (docs/form-config.md); checked against the control when definitions arrive.
    defaultValue: v.optional(v.pipe(v.string('must be a string'), v.maxLength(LIMITS.customFieldValue, `must be at most ${LIMITS.customFieldValue} characters`))),
    maxLength: v.optional(
      v.pipe(
        v.number(`must be an integer from 1 to ${LIMITS.customFieldValue}`),
        v.integer(`must be an integer from 1 to ${LIMITS.customFieldValue}`),
        v.minValue(1, `must be an integer from 1 to ${LIMITS.customFieldValue}`),
        v.maxValue(LIMITS.customFieldValue, `must be an integer from 1 to ${LIMITS.customFieldValue}`),
      ),
    ),
    prefillOnly: v.optional(flag),
    // Filled only from a verified identity token (docs/identity.md); never shown, never typed.
    signed: v.optional(flag),
  }),
  // A default would be a value nobody signed, and the widget, which applies defaults, never sees the field.
  v.forward(
    v.check((field) => field.signed !== true || field.defaultValue === undefined, 'does not apply to a signed field: its value comes only from the identity token'),
    ['defaultValue'],
  ),
  // When the control is given here, a format that cannot fit it is caught now; otherwise the
  // control comes from Socialboards' type and the check waits for the definitions (build-form.ts).
  v.forward(
    v.check(
      (field) => field.control === undefined || field.format === undefined || fitsControl(field.control, field.format),
      (issue) => {
        const control = issue.input.control ?? 'text';
        const fitting = formatsOf(control);
        return fitting.length === 0
          ? `does not apply: control ${control} is sent as typed`
          : `must be one of ${fitting.join(', ')} for control ${control}`;
      },
    ),
    ['format'],
  ),
);

const CategoriesConfig = v.variant(
  'picker',
  [
    strict({
      picker: v.literal(true),
      /** Offer only these categories and their descendants; all when absent. */
      ids: v.optional(v.pipe(v.array(id, 'must be a list of category ids'), v.nonEmpty('must not be empty; leave it out to offer every category'))),
      required: v.optional(flag, false),
      label: v.optional(text(200)),
    }),
    strict({ picker: v.literal(false) }),
  ],
  'must be true or false',
);

const FormConfigSchema = strict({
  order: v.optional(v.picklist(['community', 'listed'], 'must be community or listed'), 'community'),
  fields: v.optional(
    v.pipe(
      v.array(FieldConfig, 'must be a list of fields'),
      v.maxLength(LIMITS.customFields, `must have at most ${LIMITS.customFields} fields`),
      v.check(
        (fields) => new Set(fields.map((field) => field.id)).size === fields.length,
        (issue) => `must list each id once (${duplicates(issue.input.map((field) => field.id)).join(', ')} repeated)`,
      ),
    ),
    [],
  ),
  categories: v.optional(CategoriesConfig),
});

/** The operator's choices, with defaults filled in. */
export type FormConfig = v.InferOutput<typeof FormConfigSchema>;
/** One field the operator allowed, with its overrides. */
export type FieldConfig = v.InferOutput<typeof FieldConfig>;

/** What a relay without RELAY_FORM_CONFIG uses: no custom fields, no picker. */
export const NO_FORM_CONFIG: FormConfig = { order: 'community', fields: [] };

/** Whether the config needs Socialboards' definitions at all (else nothing is fetched). */
export const needsDefinitions = (config: FormConfig): boolean =>
  config.fields.length > 0 || config.categories?.picker === true;

/** Parses the file's text: the config, or one message per problem, each starting with its key path. */
export function parseFormConfig(text: string): Result<FormConfig, string[]> {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    return fail([`is not valid JSON (${error instanceof Error ? error.message : String(error)})`]);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return fail(['must be a JSON object like {"fields": [{"id": 42623}]}']);
  }
  const result = v.safeParse(FormConfigSchema, input);
  if (result.success) return ok(result.output);
  const problems = new Map<string, string>();
  for (const issue of result.issues) {
    const path = keyPath(issue);
    if (!problems.has(path)) problems.set(path, `${path} ${issue.message}`);
  }
  return fail([...problems.values()]);
}

/** `fields[2].control`, as an operator would write it. */
function keyPath(issue: v.BaseIssue<unknown>): string {
  let path = '';
  for (const item of issue.path ?? []) {
    path += typeof item.key === 'number' ? `[${item.key}]` : `${path ? '.' : ''}${String(item.key)}`;
  }
  return path || '(file)';
}

function duplicates(ids: readonly number[]): number[] {
  return [...new Set(ids.filter((one, index) => ids.indexOf(one) !== index))];
}
