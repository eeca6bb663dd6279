/**
 * Prefill: values the integrator sets from the page, as pure functions. Built-in fields are named
 * as in the form config (`email`, `phoneNumber`), custom fields by id under `fields`, the category
 * as `categoryId`; everything becomes values by path.
 */
import { BUILT_IN_FIELDS, type BuiltInName } from '../shared/built-in-fields';
import { CATEGORY_PATH, customFieldPath, fieldName, type FormField } from '../shared/form-definition';
import type { FieldIssue } from '../shared/field-issues';
import type { FieldValue, FieldValues } from '../shared/field-values';

/** Values an integrator sets from the page: built-in fields by name (`email`), the category, custom fields by id. */
export type Prefill = { [Name in BuiltInName]?: string } & {
  categoryId?: number | string;
  fields?: Record<string, FieldValue>;
};

/** Built-in field paths by name. */
const BUILT_IN_PATHS: Record<string, string> = Object.fromEntries(BUILT_IN_FIELDS.map(({ path }) => [fieldName(path), path]));

/** Every key a prefill may have. */
export const PREFILL_KEYS: readonly string[] = [...Object.keys(BUILT_IN_PATHS), CATEGORY_PATH, 'fields'];

/**
 * A prefill as values by path. A page may hand over numbers or booleans: the form holds text (a
 * list of texts for multiple choice). Anything else (null, an object) is reported and left out
 * rather than break the form.
 */
export function prefillValues(raw: Prefill, report: (problem: string) => void): FieldValues {
  const values: FieldValues = {};
  const put = (name: string, path: string | undefined, value: unknown) => {
    if (path === undefined) return;
    const text = Array.isArray(value) ? value.map(String) : typeof value === 'object' || value === undefined ? undefined : String(value);
    if (text === undefined) report(`prefill for ${name} must be text`);
    else values[path] = text;
  };
  const { fields = {}, ...named } = raw;
  for (const [name, value] of Object.entries(named)) put(name, name === CATEGORY_PATH ? CATEGORY_PATH : BUILT_IN_PATHS[name], value);
  for (const [id, value] of Object.entries(fields)) put(id, customFieldPath(id), value);
  return values;
}

/** A prefilled value as `field` holds it: a multiple-choice field given one string takes it as one choice. */
export function prefillFor(field: FormField, prefilled: FieldValues): FieldValue | undefined {
  const value = prefilled[field.path];
  return field.control === 'multichoice' && typeof value === 'string' ? [value] : value;
}

/** What a field holds before the visitor types: the prefill, else the default, else nothing. */
export function initialValue(field: FormField, prefilled: FieldValues): FieldValue {
  const multiple = field.control === 'multichoice';
  const value = prefilled[field.path] ?? field.defaultValue ?? (multiple ? [] : '');
  return multiple && typeof value === 'string' ? [value] : value;
}

/** What a prefill does not fit in a form: the problems to report, and the values to leave out of the ticket. */
export interface PrefillFit {
  problems: string[];
  /** Paths of prefilled hidden fields whose value is not valid: sent without, since nobody could correct them. */
  dropped: ReadonlySet<string>;
}

/**
 * Checks a prefill against a loaded form. A prefill for a field the form does not have is ignored;
 * one for a prefill-only field that is not valid is left out (the visitor cannot correct a field
 * they do not see: better a ticket without it than none). Bad values of visible fields are not
 * problems here: the visitor sees them under the field.
 */
export function fitPrefill(fields: readonly FormField[], prefilled: FieldValues, check: (field: FormField, value: FieldValue) => FieldIssue | undefined): PrefillFit {
  const problems: string[] = [];
  const dropped = new Set<string>();
  for (const path of Object.keys(prefilled)) {
    const field = fields.find((one) => one.path === path);
    const name = fieldName(path);
    if (!field) {
      // The name says which kind it is: a custom field's id, `categoryId`, or a built-in field's name.
      problems.push(`prefill sets ${name}, but this form does not ask for it; it was ignored`);
      continue;
    }
    const issue = field.prefillOnly ? check(field, prefillFor(field, prefilled) as FieldValue) : undefined;
    if (issue) {
      problems.push(`prefill for hidden field ${name} is not valid (${issue.code}); it was ignored`);
      dropped.add(path);
    }
  }
  return { problems, dropped };
}
