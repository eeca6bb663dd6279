/**
 * Field values: how each field's value is checked by its spec (built-in and custom fields alike),
 * the form's schema (built once per form definition), and how values by path become the ticket
 * request and back. The widget and the relay call the same functions, so a visitor sees the
 * relay's rules as they type.
 *
 * Canonical values (what the widget sends, per control): text-like controls a trimmed string,
 * cleaned by the single-line rule (`multiline`: the multi-line rule; see clean-text.ts);
 * `number` a decimal with a dot (`3.5`); `date` `YYYY-MM-DD`; `checkbox` `"true"` or `"false"`;
 * `choice` and `radio` one option's `value`; `multichoice` a list of values (in the request, one
 * `{id, value}` entry per chosen option); the category its id, as text in the form and a number in
 * the request.
 */
import * as v from 'valibot';
import { BUILT_IN_FIELDS, type CreatorName, type TopLevelName } from './built-in-fields';
import { cleanLine, cleanLines, cleanText } from './clean-text';
import { toFieldIssue, toFieldIssues, type FieldIssue } from './field-issues';
import { CATEGORY_PATH, customFieldId, customFieldPath, type Control, type FormField } from './form-definition';
import { fitsLocalPart, isDecimal, isEmail, isIsoDate, isPhone, isWebUrl } from './formats';
import { LIMITS } from './limits';
import { fail, ok, type Result } from './result';

/** A field's value as the form holds it: several strings for `multichoice`, else one. */
export type FieldValue = string | string[];
/** Values keyed by field path (`title`, `creator.email`, `customFields.42623`, `categoryId`). */
export type FieldValues = Record<string, FieldValue>;

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
  radio: (text) => text,
};

const isString = (input: unknown) => typeof input === 'string';

/**
 * The schema of one field's value; blank counts as absent. Its type is checked by `custom()` for
 * either shape: the one schema the widget needs instead of valibot's string() and array() (the
 * latter costs more than the whole multichoice rule, and an item's place in a path is never shown).
 */
export function fieldSchema(field: FormField) {
  const allowed = new Set(field.choices?.map((choice) => choice.value));
  if (field.control === 'multichoice') {
    return v.pipe(
      v.custom<string[]>((input) => Array.isArray(input) && input.every(isString), 'invalid'),
      v.check((values) => values.every((value) => allowed.has(value)), 'invalid_choice'),
      v.check((values) => new Set(values).size === values.length, 'invalid'),
      v.check((values) => !field.required || values.length > 0, 'required'),
    );
  }
  const [isValid, code] = FORMAT[field.control] ?? [() => true, 'invalid'];
  const clean = CLEAN[field.control] ?? cleanLine;
  return v.pipe(
    v.custom<string>(isString, 'invalid'),
    // Trimmed in the cleaning step rather than by valibot's trim(): one piece less in the widget.
    ...cleanText((text) => clean(text).trim()),
    v.maxLength(field.maxLength ?? LIMITS.customFieldValue, 'too_long'),
    // A required checkbox is one the visitor must tick ("I accept the terms").
    v.check((value) => !field.required || (value !== '' && (field.control !== 'checkbox' || value === 'true')), 'required'),
    v.check((value) => value === '' || isValid(value), code),
    v.check((value) => field.control !== 'email' || fitsLocalPart(value), 'email_local_too_long'),
    v.check((value) => value === '' || (field.control !== 'choice' && field.control !== 'radio') || allowed.has(value), 'invalid_choice'),
  );
}

/**
 * One value checked by its field's schema (see fieldSchema): as it travels on (cleaned and
 * trimmed), or its first problem, reported at `path` (the field's).
 */
export function parseValue(schema: ReturnType<typeof fieldSchema>, value: FieldValue, path = ''): Result<FieldValue, FieldIssue> {
  const result = v.safeParse(schema, value, { abortPipeEarly: true });
  return result.success ? ok(result.output) : fail(toFieldIssue(result.issues[0], path));
}

/** The first problem with one value, if any (see parseValue). */
export function checkValue(schema: ReturnType<typeof fieldSchema>, value: FieldValue): FieldIssue | undefined {
  const result = parseValue(schema, value);
  return result.ok ? undefined : result.error;
}

/** A schema for values keyed by path; a path the form does not have is an unknown field. */
export function createFormSchema(fields: readonly FormField[]) {
  const entries: Record<string, v.GenericSchema<unknown, unknown>> = {};
  for (const field of fields) entries[field.path] = field.required ? fieldSchema(field) : v.optional(fieldSchema(field));
  return v.strictObject(entries, 'unknown_field');
}
export type FormSchema = ReturnType<typeof createFormSchema>;

/**
 * Checks values against the form's schema: the values as they travel on (cleaned and trimmed), or
 * one issue per bad path (the first found, as a visitor fixes one problem at a time per field).
 */
export function checkValues(schema: FormSchema, values: FieldValues): Result<FieldValues, FieldIssue[]> {
  const result = v.safeParse(schema, values);
  // An issue's path is its value's key (`creator.email` is one key here), so it reads as the request's path.
  return result.success ? ok(result.output as FieldValues) : fail(toFieldIssues(result.issues));
}

/** The field part of a ticket request, as `toTicketFields` builds it and `fromTicketFields` reads it. */
export type TicketFields = { [Name in TopLevelName]?: string | null | undefined } & {
  creator?: { [Name in CreatorName]?: string | null | undefined } | undefined;
  customFields?: { id: number; value: string }[] | undefined;
  categoryId?: number | undefined;
};

/** The paths a request has a place for besides custom fields and the category: the built-in fields'. */
const BUILT_IN_PATHS: ReadonlySet<string> = new Set(BUILT_IN_FIELDS.map(({ path }) => path));

/**
 * The request's fields from values by path: blanks left out, a multichoice spread into one entry
 * per option, the category as a number, and `creator` always present. A path that is no field's
 * is left out, so nothing else a value map might hold can reach the request.
 */
export function toTicketFields(values: FieldValues): TicketFields & { creator: NonNullable<TicketFields['creator']> } {
  const request: Record<string, unknown> & { creator: Record<string, string> } = { creator: {} };
  const customFields: { id: number; value: string }[] = [];
  for (const [path, value] of Object.entries(values)) {
    const parts = (Array.isArray(value) ? value : [value]).filter((part) => part.trim() !== '');
    const id = customFieldId(path);
    if (id !== undefined) for (const part of parts) customFields.push({ id, value: part });
    else if (!parts.length) continue;
    else if (path === CATEGORY_PATH) request.categoryId = Number(parts[0]);
    else if (!BUILT_IN_PATHS.has(path)) continue;
    else if (path.startsWith('creator.')) request.creator[path.slice(8)] = parts[0] as string;
    else request[path] = parts[0];
  }
  if (customFields.length) request.customFields = customFields;
  return request as ReturnType<typeof toTicketFields>;
}

/**
 * Values by path from a request's fields: the entries of a multichoice field become one list (the
 * form says which fields are), and a repeated id of any other field is reported. Null counts as absent.
 */
export function fromTicketFields(request: TicketFields, fields: readonly FormField[]): Result<FieldValues, FieldIssue[]> {
  const values: FieldValues = {};
  const texts = request as Record<string, string | null | undefined> & { creator?: Record<string, string | null | undefined> };
  for (const { path } of BUILT_IN_FIELDS) {
    const value = path.startsWith('creator.') ? texts.creator?.[path.slice(8)] : texts[path];
    if (value !== undefined && value !== null) values[path] = value;
  }
  if (request.categoryId !== undefined) values[CATEGORY_PATH] = String(request.categoryId);
  const multiple = new Set(fields.filter((field) => field.control === 'multichoice').map((field) => field.path));
  const issues: FieldIssue[] = [];
  for (const { id, value } of request.customFields ?? []) {
    const path = customFieldPath(id);
    const current = values[path];
    if (multiple.has(path)) values[path] = [...((current as string[] | undefined) ?? []), value];
    else if (current === undefined) values[path] = value;
    else if (!issues.some((issue) => issue.path === path)) issues.push({ path, code: 'invalid' });
  }
  return issues.length ? fail(issues) : ok(values);
}
