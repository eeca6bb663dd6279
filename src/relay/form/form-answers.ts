/**
 * Checks a request's fields against the form — built-in and custom fields and the category alike,
 * after the verified identity took its place — and turns the custom values into what Socialboards takes.
 */
import { checkValues, fromTicketFields } from '../../shared/field-values';
import type { FieldValues } from '../../shared/field-values';
import { customFieldId } from '../../shared/form-definition';
import { fail, ok } from '../../shared/result';
import type { Result } from '../../shared/result';
import type { TicketRequest } from '../../shared/ticket-request';
import { invalidFields } from '../field-errors';
import { vouchedValues } from '../identity/apply-identity';
import type { IdentityMismatch } from '../identity/apply-identity';
import type { IdentityClaims } from '../identity/identity-token';
import type { BuiltForm, FormSchemas } from './build-form';
import { toUpstreamValue } from './value-formats';

/** The visitor's answers, ready for Create Ticket. */
export interface FormAnswers {
  /**
   * Every value by path as checked (cleaned and trimmed; blank optional ones may remain as `''`),
   * the verified identity's name and email and the signed fields' values included.
   */
  values: FieldValues;
  /** `{id, value}` with each value in its field's upstream format, in form order; blanks left out. */
  customFields: { id: number; value: string }[];
  /**
   * Values to keep out of logs (Socialboards' error text may quote them): every value of a
   * sensitive field, and any other of two characters or more (shorter ones say next to nothing,
   * and cutting out every "1" would garble the message).
   */
  redact: string[];
}

/** A form as the tickets route checks against it: built, with its schemas. */
export type CheckedForm = Pick<BuiltForm, 'form' | 'rules'> & { schemas: FormSchemas };

/**
 * Checks the request's fields with the same shared rules as the widget: the typed values, with
 * the identity's name and email in place of typed ones, against the served fields (a field the
 * form does not have, a hidden built-in among them, is `unknown_field`; a missing required one
 * `required`). Issue paths are the request's (`title`, `creator.email`, `customFields.<id>`, `categoryId`).
 */
export function checkFormAnswers(
  request: TicketRequest,
  claims: IdentityClaims | undefined,
  built: CheckedForm,
): Result<FormAnswers, IdentityMismatch> {
  const typed = fromTicketFields(request, built.form.fields);
  if (!typed.ok) return fail({ code: 'validation', ...invalidFields(typed.error) });
  const vouched = vouchedValues(typed.value, claims, built);
  if (!vouched.ok) return vouched;

  // The identity's values stand in for typed ones where the visitor sees the field; where the
  // operator hid it, they join after the check (the token's values were checked on their own).
  // (Signed fields are in the form too, but never among the typed values.)
  const inForm = new Set(built.form.fields.map((field) => field.path));
  const shown = Object.fromEntries(Object.entries(vouched.value).filter(([path]) => inForm.has(path) && customFieldId(path) === undefined));
  const checked = checkValues(built.schemas.typed, { ...typed.value, ...shown });
  if (!checked.ok) return fail({ code: 'validation', ...invalidFields(checked.error) });
  const values = { ...checked.value, ...vouched.value };

  const customFields: FormAnswers['customFields'] = [];
  const redact: string[] = [];
  for (const field of built.form.fields) {
    const id = customFieldId(field.path);
    const value = values[field.path];
    const rule = id === undefined ? undefined : built.rules.get(id);
    if (id === undefined || value === undefined || rule === undefined) continue;
    const parts = (Array.isArray(value) ? value : [value]).map((part) => part.trim()).filter(Boolean);
    if (parts.length === 0) continue;
    const upstream = toUpstreamValue(rule.control, rule.format, value);
    customFields.push({ id, value: upstream });
    redact.push(...[upstream, ...parts].filter((text) => rule.sensitive || text.length >= 2));
  }
  return ok({ values, customFields, redact });
}
