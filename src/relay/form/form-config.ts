/**
 * The operator's form config file (RELAY_FORM_CONFIG): which custom fields the widget asks for or
 * fills silently, with which overrides, the category picker, how the built-in fields are asked
 * (hidden, required, relabelled) and the order of it all. Parsed once at start-up; every problem is
 * reported with its key path (`fields[2].control must be one of …`).
 */
import * as v from 'valibot';
import { ALWAYS_ASKED, BUILT_IN_FIELDS } from '../../shared/built-in-fields';
import type { BuiltInName } from '../../shared/built-in-fields';
import { CATEGORY_PATH, CONTROLS, fieldName } from '../../shared/form-definition';
import { LIMITS } from '../../shared/limits';
import { fail, ok } from '../../shared/result';
import type { Result } from '../../shared/result';
import { VALUE_FORMATS, fitsControl, formatsOf } from './value-formats';

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

/** A BCP 47-like language tag (`nb`, `pt-BR`), at most four subtags after the language: what `GET /form?locale=` takes, too. */
export const LANGUAGE_TAG = /^[a-z]{2,3}(-[a-z\d]{1,8}){0,4}$/i;

/**
 * Text shown to visitors (a label, a placeholder): one string for every language, or one per
 * language by tag (`{"en": "Order number", "nb": "Ordrenummer", "*": "Order no."}`). Tags are kept
 * in lower case, as they are matched (see `localize`).
 */
const shown = (max: number) =>
  v.lazy((input) =>
    typeof input === 'string'
      ? text(max)
      : v.pipe(
          v.record(
            v.pipe(v.string(), v.check((key) => key === '*' || LANGUAGE_TAG.test(key), 'must be a language tag such as "en" or "pt-BR", or "*" for every other language')),
            text(max),
            'must be a string, or an object of strings by language ({"en": "…", "nb": "…"})',
          ),
          v.check((texts) => Object.keys(texts).length > 0, 'must name at least one language'),
          v.transform((texts): Record<string, string> => Object.fromEntries(Object.entries(texts).map(([tag, value]) => [tag.toLowerCase(), value]))),
        ),
  );

/** A visitor-facing text as the config holds it: the same in every language, or by lower-case language tag. */
export type ShownText = v.InferOutput<ReturnType<typeof shown>>;

/**
 * The text for `language` (a BCP 47 tag, any case): its own, else its primary language's (`nb`
 * for `nb-NO`), else the `*` entry; undefined when the config has none for it, so the caller
 * falls back (to Socialboards' name for a custom field, to the widget's own word for a built-in).
 */
export function localize(text: ShownText | undefined, language: string | undefined): string | undefined {
  if (text === undefined || typeof text === 'string') return text;
  const tag = language?.toLowerCase() ?? '';
  return text[tag] ?? text[tag.replace(/-.*/, '')] ?? text['*'];
}

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
    label: v.optional(shown(200)),
    placeholder: v.optional(shown(200)),
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
    // Never kept in a visitor's draft on their device; defaults to Socialboards' isSensitiveData (build-form.ts).
    sensitive: v.optional(flag),
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

/** The built-in fields' names, in their default order: the keys of `builtIn`. */
const BUILT_IN_NAMES = BUILT_IN_FIELDS.map((field) => fieldName(field.path) as BuiltInName);

/**
 * How one built-in field is asked. Title and message are always asked and always required
 * (ALWAYS_ASKED), so only their label and placeholder can change.
 */
const builtInConfig = (name: BuiltInName) =>
  v.pipe(
    strict({
      hidden: v.optional(flag),
      required: v.optional(flag),
      label: v.optional(shown(200)),
      placeholder: v.optional(shown(200)),
      sensitive: v.optional(flag),
    }),
    v.forward(v.check((field) => !ALWAYS_ASKED.includes(name) || field.hidden !== true, `cannot be true: ${name} is always asked`), ['hidden']),
    v.forward(v.check((field) => !ALWAYS_ASKED.includes(name) || field.required !== false, `cannot be false: ${name} is always required`), ['required']),
    // A visitor cannot fill in a field they do not see, so every ticket would be refused.
    v.forward(v.check((field) => field.hidden !== true || field.required !== true, 'cannot be true for a hidden field: a visitor cannot fill in a field they do not see'), ['required']),
  );

const BuiltInConfig = strict(
  Object.fromEntries(BUILT_IN_NAMES.map((name) => [name, v.optional(builtInConfig(name))])) as Record<
    BuiltInName,
    v.OptionalSchema<ReturnType<typeof builtInConfig>, undefined>
  >,
);

/** What `layout` may name besides custom field ids. */
const LAYOUT_NAMES = [...BUILT_IN_NAMES, CATEGORY_PATH] as const;
const LAYOUT_ENTRY = `must be a built-in field name (${LAYOUT_NAMES.join(', ')}) or a custom field id (a positive integer)`;

const Layout = v.pipe(
  v.array(v.union([v.picklist(LAYOUT_NAMES), v.pipe(v.number(), v.integer(), v.minValue(1))], LAYOUT_ENTRY), 'must be a list of field names and custom field ids'),
  v.check(
    (names) => new Set(names).size === names.length,
    (issue) => `must name each field once (${duplicates(issue.input).join(', ')} repeated)`,
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
      label: v.optional(shown(200)),
    }),
    strict({ picker: v.literal(false) }),
  ],
  'must be true or false',
);

const FormConfigSchema = v.pipe(
  strict({
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
    builtIn: v.optional(BuiltInConfig, {}),
    /** The display order, by name; what it leaves out follows in the default order (build-form.ts). */
    layout: v.optional(Layout),
  }),
  // A custom id the form does not offer is only known when the definitions arrive (a warning then);
  // a built-in the config hides, or a picker it does not have, is a mistake in the file itself.
  v.forward(
    v.check(
      (config) => notInForm(config) === undefined,
      (issue) => {
        const name = notInForm(issue.input) ?? '';
        return name === CATEGORY_PATH
          ? `names ${name}, but the form has no category picker (categories.picker)`
          : `names ${name}, which builtIn.${name}.hidden hides`;
      },
    ),
    ['layout'],
  ),
);

/** The operator's choices, with defaults filled in. */
export type FormConfig = v.InferOutput<typeof FormConfigSchema>;
/** One field the operator allowed, with its overrides. */
export type FieldConfig = v.InferOutput<typeof FieldConfig>;

/** What a relay without RELAY_FORM_CONFIG uses: the built-in fields as they are, no custom fields, no picker. */
export const NO_FORM_CONFIG: FormConfig = { order: 'community', fields: [], builtIn: {} };

/** The first built-in or `categoryId` that `layout` names but the form cannot have. */
function notInForm(config: {
  builtIn: v.InferOutput<typeof BuiltInConfig>;
  categories?: v.InferOutput<typeof CategoriesConfig> | undefined;
  layout?: v.InferOutput<typeof Layout> | undefined;
}): (typeof LAYOUT_NAMES)[number] | undefined {
  return config.layout?.find(
    (name): name is (typeof LAYOUT_NAMES)[number] =>
      typeof name === 'string' && (name === CATEGORY_PATH ? config.categories?.picker !== true : config.builtIn[name]?.hidden === true),
  );
}

/**
 * Folds RELAY_REQUIRE_EMAIL, the environment's shortcut for `builtIn.email.required`, into the
 * config: `set` says whether the operator set the variable (its default is only a default, and
 * gives way to the file). When both say something and disagree, start-up fails naming both.
 */
export function withRequireEmail(config: FormConfig, requireEmail: { value: boolean; set: boolean }): Result<FormConfig, string> {
  const email = config.builtIn.email ?? {};
  if (requireEmail.set && email.required !== undefined && email.required !== requireEmail.value) {
    return fail(`is ${requireEmail.value}, but the form config's builtIn.email.required is ${email.required}; set one of them (RELAY_REQUIRE_EMAIL is a shortcut for builtIn.email.required)`);
  }
  if (requireEmail.set && requireEmail.value && email.hidden === true) {
    return fail("is true, but the form config's builtIn.email.hidden is true: a hidden field cannot be required; unset RELAY_REQUIRE_EMAIL");
  }
  const required = email.required ?? (email.hidden === true ? false : requireEmail.value);
  return ok({ ...config, builtIn: { ...config.builtIn, email: { ...email, required } } });
}

/**
 * The languages the config has texts for (lower case, without `*`): the relay builds one form per
 * language, and `GET /form?locale=` picks among them.
 */
export function configLanguages(config: FormConfig): string[] {
  const texts: (ShownText | undefined)[] = [
    ...config.fields.flatMap((field) => [field.label, field.placeholder]),
    ...Object.values(config.builtIn).flatMap((field) => [field?.label, field?.placeholder]),
    config.categories?.picker === true ? config.categories.label : undefined,
  ];
  const languages = new Set(texts.flatMap((text) => (typeof text === 'object' ? Object.keys(text) : [])));
  languages.delete('*');
  return [...languages].sort();
}

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

function duplicates<T>(ids: readonly T[]): T[] {
  return [...new Set(ids.filter((one, index) => ids.indexOf(one) !== index))];
}
