/**
 * Builds the form the widget renders from Socialboards' definitions and the operator's config:
 * the built-in fields as the operator asks them, only the custom fields and categories the operator
 * allowed, translated into controls, in display order, with the rules the relay sends values by.
 * Pure: problems come back as warnings for the caller to log.
 */
import { BUILT_IN_FIELDS } from '../../shared/built-in-fields';
import type { BuiltInName } from '../../shared/built-in-fields';
import { checkValue, createFormSchema, fieldSchema } from '../../shared/field-values';
import type { FormSchema } from '../../shared/field-values';
import { CATEGORY_PATH, customFieldId, customFieldPath, fieldName } from '../../shared/form-definition';
import type { Control, FormChoice, FormDefinition, FormField } from '../../shared/form-definition';
import type { CategoryDefinition, CustomFieldDefinition } from '../upstream/definitions';
import { resolveFieldType } from './field-types';
import { localize } from './form-config';
import type { FieldConfig, FormConfig } from './form-config';
import { fitsControl, formatsOf } from './value-formats';
import type { ValueFormat } from './value-formats';

/** The community's definitions, as the two list endpoints return them. */
export interface Definitions {
  fields: readonly CustomFieldDefinition[];
  categories: readonly CategoryDefinition[];
}

/** How the relay sends one field's value upstream. */
export interface FieldRule {
  control: Control;
  format: ValueFormat | undefined;
  /** `isSensitiveData` in Socialboards, or the operator's `sensitive`: its values are cut out of every log line, however short. */
  sensitive: boolean;
  /** Filled only from a verified identity token: never served to the widget, never taken from a request. */
  signed: boolean;
}

/** What the relay serves and checks against: the form, the rules per field id, and what went wrong. */
export interface BuiltForm {
  /** Every allowed field, signed ones included (`served` leaves those out of `GET /form`). */
  form: FormDefinition;
  rules: ReadonlyMap<number, FieldRule>;
  /** For the log: fields or categories left out, defaults ignored. Never a visitor's value. */
  warnings: string[];
}

/** Whether `field` is signed: filled only from a verified identity token. */
export const isSigned = (field: FormField, rules: BuiltForm['rules']): boolean => {
  const id = customFieldId(field.path);
  return id !== undefined && rules.get(id)?.signed === true;
};

/** The form as `GET /form` serves it: without signed fields, which are the relay's and the token's alone. */
export const servedForm = ({ form, rules }: Pick<BuiltForm, 'form' | 'rules'>): FormDefinition => ({
  ...form,
  fields: form.fields.filter((field) => !isSigned(field, rules)),
});

/**
 * The schemas a request's values are checked with, built once per built form: `typed` for what a
 * visitor may send (the served fields), `signed` for what only a verified identity token may carry.
 */
export interface FormSchemas {
  typed: FormSchema;
  signed: FormSchema;
}

/** Builds the form's schemas (see FormSchemas). */
export function formSchemas({ form, rules }: Pick<BuiltForm, 'form' | 'rules'>): FormSchemas {
  return {
    typed: createFormSchema(servedForm({ form, rules }).fields),
    signed: createFormSchema(form.fields.filter((field) => isSigned(field, rules))),
  };
}

/** Separators of the multichoice formats that join with one, for the ambiguity warning. */
const SEPARATORS: Partial<Record<ValueFormat, string>> = { comma: ',', semicolon: ';', newline: '\n' };

/**
 * Builds the form. Fields not in the config are never exposed. A field Socialboards marks
 * `isHidden` is exposed only as `prefillOnly` (ASSUMED meaning of isHidden: not shown to the
 * person writing the ticket, docs/socialboards-api.md §5.4).
 *
 * The default order is title, message, sentiment, the category picker, the custom fields (in
 * community or listed order), then the visitor's name, email and phone; the config's `layout`
 * puts the fields it names first, in its order.
 */
export function buildForm(definitions: Definitions, config: FormConfig, language?: string): BuiltForm {
  const warnings: string[] = [];
  const byId = new Map(definitions.fields.map((definition) => [definition.id, definition]));
  const custom: { id: number; field: FormField; rule: FieldRule; order: number; listed: number }[] = [];

  config.fields.forEach((wanted, listed) => {
    const definition = byId.get(wanted.id);
    if (definition === undefined) {
      warnings.push(`custom field ${wanted.id} is not in the community's custom field list; left out`);
      return;
    }
    const one = buildField(definition, wanted, warnings, language);
    if (one !== undefined) custom.push({ ...one, id: definition.id, order: definition.order ?? Number.POSITIVE_INFINITY, listed });
  });
  if (config.order === 'community') custom.sort((a, b) => a.order - b.order || a.listed - b.listed);

  const builtIn = builtInFields(config, language);
  // ASSUMED (docs/socialboards-api.md §4): Socialboards refuses a ticket whose creator has neither a name nor an email.
  if (!builtIn.some((field) => (field.path === 'creator.name' || field.path === 'creator.email') && field.required)) {
    warnings.push(
      'neither name nor email is required: a visitor may send a ticket with neither, which Socialboards is assumed to refuse (require one, or keep email required)',
    );
  }
  const category = buildCategories(definitions.categories, config, warnings, language);
  const byDefault = [
    ...builtIn.filter((field) => !field.path.startsWith('creator.')),
    ...(category === undefined ? [] : [category]),
    ...custom.map(({ field }) => field),
    ...builtIn.filter((field) => field.path.startsWith('creator.')),
  ];
  return {
    form: { fields: laidOut(byDefault, config.layout ?? [], warnings) },
    rules: new Map(custom.map(({ id, rule }) => [id, rule])),
    warnings,
  };
}

/** The built-in fields the operator did not hide, with their overrides. */
function builtInFields(config: FormConfig, language: string | undefined): FormField[] {
  return BUILT_IN_FIELDS.flatMap((spec): FormField[] => {
    const override = config.builtIn[fieldName(spec.path) as BuiltInName] ?? {};
    if (override.hidden === true) return [];
    const field: FormField = { ...spec, required: override.required ?? spec.required };
    if ('choices' in spec) field.choices = spec.choices.map((choice) => ({ ...choice }));
    const label = localize(override.label, language);
    const placeholder = localize(override.placeholder, language);
    if (label !== undefined) field.label = label;
    if (placeholder !== undefined) field.placeholder = placeholder;
    if (override.sensitive === true) field.sensitive = true;
    return [field];
  });
}

/**
 * The fields `layout` names first, in its order, then the rest in their default order. A custom
 * field id the form does not offer is a warning (its field may be missing from the community, or
 * left out for another reason, already warned); built-in names and `categoryId` were checked
 * against the config at start-up, and a picker left without categories was warned about.
 */
function laidOut(fields: readonly FormField[], layout: readonly (string | number)[], warnings: string[]): FormField[] {
  const byPath = new Map(fields.map((field) => [field.path, field]));
  const builtInPath = new Map(BUILT_IN_FIELDS.map((spec) => [fieldName(spec.path), spec.path as string]));
  const first: FormField[] = [];
  for (const name of layout) {
    const path = typeof name === 'number' ? customFieldPath(name) : (builtInPath.get(name) ?? name);
    const field = byPath.get(path);
    if (field !== undefined) first.push(field);
    else if (typeof name === 'number') warnings.push(`layout names custom field ${name}, which the form does not offer; ignored`);
  }
  return [...first, ...fields.filter((field) => !first.includes(field))];
}

function buildField(
  definition: CustomFieldDefinition,
  wanted: FieldConfig,
  warnings: string[],
  language: string | undefined,
): { field: FormField; rule: FieldRule } | undefined {
  const name = `custom field ${definition.id} (${definition.name}, type ${definition.type})`;
  const prefillOnly = wanted.prefillOnly === true;
  const signed = wanted.signed === true;
  if (definition.isHidden && !prefillOnly && !signed) {
    warnings.push(`${name} is hidden in Socialboards; left out (set "prefillOnly": true to fill it from the page)`);
    return undefined;
  }
  const { control, format } = resolveFieldType({ ...definition, control: wanted.control, format: wanted.format });
  if (wanted.format !== undefined && !fitsControl(control, wanted.format)) {
    const fitting = formatsOf(control);
    warnings.push(
      `${name} is a ${control} field, which ${fitting.length === 0 ? 'is sent as typed' : `takes the formats ${fitting.join(', ')}`}, not ${wanted.format}; left out (set "control" too)`,
    );
    return undefined;
  }

  const choices = control === 'choice' || control === 'radio' || control === 'multichoice' ? choicesOf(definition) : undefined;
  if (choices?.length === 0) {
    warnings.push(`${name} is a ${control} field without possibleValues; left out (set another "control")`);
    return undefined;
  }
  const separator = format === undefined ? undefined : SEPARATORS[format];
  if (control === 'multichoice' && separator !== undefined && choices?.some((choice) => choice.value.includes(separator))) {
    warnings.push(`${name} has an option containing "${JSON.stringify(separator).slice(1, -1)}", the separator of its format ${format}; such options cannot be told apart upstream`);
  }

  const field: FormField = {
    path: customFieldPath(definition.id),
    label: localize(wanted.label, language) ?? definition.name,
    control,
    // A visitor cannot fill in a field they do not see, so a prefill-only or signed field is
    // required only when the operator says so (the page, or the token, must then always fill it).
    required: wanted.required ?? (prefillOnly || signed ? false : definition.isRequired),
  };
  const placeholder = localize(wanted.placeholder, language) ?? definition.placeholder?.trim();
  if (placeholder) field.placeholder = placeholder;
  const defaultValue = validDefault(field, choices, wanted.defaultValue ?? definition.defaultValue, wanted.defaultValue !== undefined, name, warnings);
  if (defaultValue !== undefined) field.defaultValue = defaultValue;
  if (choices !== undefined) field.choices = choices;
  if (wanted.maxLength !== undefined) field.maxLength = wanted.maxLength;
  if (prefillOnly) field.prefillOnly = true;
  // ASSUMED (docs/socialboards-api.md §5.4): isSensitiveData marks a value to keep out of logs, and
  // so out of drafts on the visitor's device too, unless the operator says otherwise. The logs
  // stay redacted either way.
  const sensitive = wanted.sensitive ?? definition.isSensitiveData;
  if (sensitive) field.sensitive = true;
  return { field, rule: { control, format, sensitive: definition.isSensitiveData || sensitive, signed } };
}

/** Options sorted by their `order` (ties and missing orders keep list order), each value once. */
function choicesOf(definition: CustomFieldDefinition): FormChoice[] {
  const sorted = definition.possibleValues
    .map((option, index) => ({ option, index }))
    .sort((a, b) => (a.option.order ?? Number.POSITIVE_INFINITY) - (b.option.order ?? Number.POSITIVE_INFINITY) || a.index - b.index);
  const values = [...new Set(sorted.map(({ option }) => option.value))];
  return values.map((value) => ({ value, label: value }));
}

/**
 * The default, when it is a valid canonical value for the control (checked with the shared rules
 * the widget uses). Multichoice takes none: its canonical value is a list, a default is one string.
 */
function validDefault(
  field: FormField,
  choices: FormChoice[] | undefined,
  candidate: string | null | undefined,
  fromConfig: boolean,
  name: string,
  warnings: string[],
): string | undefined {
  const value = candidate?.trim();
  if (!value) return undefined;
  const probe: FormField = { ...field, required: false, ...(choices === undefined ? {} : { choices }) };
  const valid = field.control !== 'multichoice' && checkValue(fieldSchema(probe), value) === undefined;
  if (valid) return value;
  const origin = fromConfig ? 'defaultValue in the form config' : "Socialboards' defaultValue";
  warnings.push(`${name}: ${origin} is not a valid ${field.control} value in canonical form; ignored`);
  return undefined;
}

/**
 * The category picker, a choice field at `categoryId` whose values are category ids: the offered
 * categories in tree order (parent before children, siblings in list order), each with its depth
 * under its offered ancestors. The parent is the last of `parents` (ASSUMED root-first,
 * docs/socialboards-api.md §5.6); a category whose parent is not offered is a root of the picker.
 */
function buildCategories(
  categories: readonly CategoryDefinition[],
  config: FormConfig,
  warnings: string[],
  language: string | undefined,
): FormField | undefined {
  const picker = config.categories;
  if (picker?.picker !== true) return undefined;
  const byId = new Map(categories.map((category) => [category.id, category]));
  const parentOf = (category: CategoryDefinition) => category.parents.at(-1) ?? null;

  const wanted = picker.ids === undefined ? undefined : new Set(picker.ids);
  for (const id of wanted ?? []) {
    if (!byId.has(id)) warnings.push(`category ${id} is not in the community's category list; left out`);
  }
  // Walking up parent by parent also works if `parents` holds only the direct parent.
  const isOffered = (category: CategoryDefinition) => {
    if (wanted === undefined) return true;
    const seen = new Set<number>();
    for (let id: number | null = category.id; id !== null && !seen.has(id); ) {
      if (wanted.has(id)) return true;
      seen.add(id);
      const current = byId.get(id);
      id = current === undefined ? null : parentOf(current);
    }
    return false;
  };
  const offered = categories.filter(isOffered);
  const offeredIds = new Set(offered.map((category) => category.id));
  const parentIn = (category: CategoryDefinition) => {
    const parent = parentOf(category);
    return parent !== null && offeredIds.has(parent) && parent !== category.id ? parent : null;
  };

  const children = new Map<number | null, CategoryDefinition[]>();
  for (const category of offered) {
    const parent = parentIn(category);
    children.set(parent, [...(children.get(parent) ?? []), category]);
  }
  const options: FormChoice[] = [];
  const placed = new Set<number>();
  const visit = (category: CategoryDefinition, depth: number) => {
    if (placed.has(category.id)) return;
    placed.add(category.id);
    options.push({ value: String(category.id), label: category.name, ...(depth > 0 ? { depth } : {}) });
    for (const child of children.get(category.id) ?? []) visit(child, depth + 1);
  };
  for (const root of children.get(null) ?? []) visit(root, 0);
  for (const category of offered) {
    if (!placed.has(category.id)) warnings.push(`category ${category.id} (${category.name}) has a parent loop; left out`);
  }

  if (options.length === 0) {
    warnings.push('the category picker has no categories to offer; no picker is shown');
    return undefined;
  }
  const label = localize(picker.label, language);
  return {
    path: CATEGORY_PATH,
    control: 'choice',
    required: picker.required,
    ...(label === undefined ? {} : { label }),
    choices: options,
  };
}
