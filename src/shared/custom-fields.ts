/**
 * Validation of custom field values and the category choice against a form definition, built at
 * run time with valibot. The widget and the relay call the same functions, so a visitor sees the
 * relay's rules as they type.
 *
 * Canonical values (what the widget sends, per control): text-like controls a trimmed string,
 * cleaned by the single-line rule (`multiline`: the multi-line rule; see clean-text.ts);
 * `number` a decimal with a dot (`3.5`); `date` `YYYY-MM-DD`; `checkbox` `"true"` or `"false"`;
 * `choice` one option's `value`; `multichoice` one `{id, value}` entry per chosen option.
 */
import * as v from 'valibot';
import { cleanLine, cleanLines, cleanText } from './clean-text';
import { toFieldIssues, type FieldIssue } from './field-issues';
import type { Control, FormCategories, FormDefinition, FormField } from './form-definition';
import { fitsLocalPart, isDecimal, isEmail, isIsoDate, isPhone, isWebUrl } from './formats';
import { LIMITS } from './limits';

/** A custom field's value as the form holds it: several strings for `multichoice`, else one. */
export type CustomValue = string | string[];
/** Custom field values keyed by field id. */
export type CustomValues = Record<string, CustomValue>;

/** Format checks by control, with the code a failure reports. */
const FORMAT: Partial<Record<Control, [(value: string) => boolean, string]>> = {
  number: [isDecimal, 'invalid_number'],
  date: [isIsoDate, 'invalid_date'],
  email: [isEmail, 'invalid_email'],
  phone: [isPhone, 'invalid_phone'],
  url: [isWebUrl, 'invalid_url'],
  checkbox: [(value) => value === 'true' || value === 'false', 'invalid'],
};

/**
 * How each control's value is cleaned; the rest are single-line text. A choice is compared with
 * the operator's options as sent, so it is left alone (anything else is not an option anyway).
 */
const CLEAN: Partial<Record<Control, (text: string) => string>> = {
  multiline: cleanLines,
  choice: (text) => text,
};

/** The schema of one field's value; blank counts as absent. */
function valueSchema(field: FormField) {
  const allowed = new Set(field.choices?.map((choice) => choice.value));
  if (field.control === 'multichoice') {
    return v.pipe(
      v.array(v.string('invalid'), 'invalid'),
      v.check((values) => values.every((value) => allowed.has(value)), 'invalid_choice'),
      v.check((values) => new Set(values).size === values.length, 'invalid'),
      v.check((values) => !field.required || values.length > 0, 'required'),
    );
  }
  const [isValid, code] = FORMAT[field.control] ?? [() => true, 'invalid'];
  return v.pipe(
    v.string('invalid'),
    ...cleanText(CLEAN[field.control] ?? cleanLine),
    v.trim(),
    v.maxLength(field.maxLength ?? LIMITS.customFieldValue, 'too_long'),
    // A required checkbox is one the visitor must tick ("I accept the terms").
    v.check((value) => !field.required || (value !== '' && (field.control !== 'checkbox' || value === 'true')), 'required'),
    v.check((value) => value === '' || isValid(value), code),
    v.check((value) => field.control !== 'email' || fitsLocalPart(value), 'email_local_too_long'),
    v.check((value) => value === '' || field.control !== 'choice' || allowed.has(value), 'invalid_choice'),
  );
}

/** A schema for custom values keyed by field id; an id the form does not have is an unknown field. */
export function createCustomFieldsSchema(fields: readonly FormField[]) {
  const entries: Record<string, v.GenericSchema<unknown, unknown>> = {};
  for (const field of fields) {
    entries[field.id] = field.required ? valueSchema(field) : v.optional(valueSchema(field));
  }
  return v.strictObject(entries, 'unknown_field');
}

/** A schema for the visitor's category choice under the operator's picker (or no picker at all). */
export function createCategorySchema(categories: FormCategories | null) {
  const offered = new Set(categories?.options.map((category) => category.id));
  return v.pipe(
    v.optional(v.number('invalid')),
    v.check((id) => id !== undefined || !categories?.required, 'required'),
    v.check((id) => id === undefined || offered.has(id), 'invalid_choice'),
  );
}

/**
 * Groups the request's `customFields` list by id: the entries of a multichoice field become one
 * list, and a repeated id of any other field is reported.
 */
export function groupCustomFields(
  list: readonly { id: number; value: string }[],
  fields: readonly FormField[],
): { values: CustomValues; issues: FieldIssue[] } {
  const controls = new Map(fields.map((field) => [field.id, field.control]));
  const values: CustomValues = {};
  const issues: FieldIssue[] = [];
  for (const { id, value } of list) {
    const current = values[id];
    if (controls.get(id) === 'multichoice') values[id] = [...((current as string[] | undefined) ?? []), value];
    else if (current === undefined) values[id] = value;
    else issues.push({ path: `customFields.${id}`, code: 'invalid' });
  }
  return { values, issues };
}

/** The request's `customFields` list for grouped values: blanks left out, multichoice spread out. */
export function listCustomFields(values: CustomValues): { id: number; value: string }[] {
  return Object.entries(values).flatMap(([id, value]) =>
    (Array.isArray(value) ? value : [value.trim()]).filter(Boolean).map((one) => ({ id: Number(id), value: one })),
  );
}

/**
 * Checks custom values and a category against a form, and gives the values as they travel on:
 * cleaned and trimmed (complete only when there are no issues). Issue paths are
 * `customFields.<id>` and `categoryId`, as in the relay's answers.
 */
export function parseAgainstForm(
  form: FormDefinition,
  values: CustomValues,
  categoryId: number | undefined,
): { values: CustomValues; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const custom = v.safeParse(createCustomFieldsSchema(form.fields), values);
  if (!custom.success) {
    for (const issue of toFieldIssues(custom.issues)) issues.push({ ...issue, path: `customFields.${issue.path}` });
  }
  const category = v.safeParse(createCategorySchema(form.categories), categoryId);
  if (!category.success) {
    for (const issue of toFieldIssues(category.issues)) issues.push({ ...issue, path: 'categoryId' });
  }
  return { values: custom.success ? (custom.output as CustomValues) : {}, issues };
}

/** The issues of custom values and a category against a form (see parseAgainstForm). */
export const checkAgainstForm = (form: FormDefinition, values: CustomValues, categoryId: number | undefined): FieldIssue[] =>
  parseAgainstForm(form, values, categoryId).issues;
