/** Checks a request's custom field values and category against the form, and turns them into what Socialboards takes. */
import { groupCustomFields, parseAgainstForm } from '../../shared/custom-fields';
import type { FieldIssue } from '../../shared/field-issues';
import type { TicketRequest } from '../../shared/ticket-request';
import type { BuiltForm } from './build-form';
import { toUpstreamValue } from './value-formats';
import { fail, ok } from '../../shared/result';
import type { Result } from '../../shared/result';

/** The visitor's answers, ready for Create Ticket. */
export interface FormAnswers {
  /** `{id, value}` with each value in its field's upstream format, in form order; blanks left out. */
  customFields: { id: number; value: string }[];
  /** The visitor's category, already checked against the offer; `undefined` when none was chosen. */
  categoryId: number | undefined;
  /**
   * Values to keep out of logs (Socialboards' error text may quote them): every value of a
   * sensitive field, and any other of two characters or more (shorter ones say next to nothing,
   * and cutting out every "1" would garble the message).
   */
  redact: string[];
}

/**
 * Checks the custom fields (allowed, type, format, options, required) and the category (offered)
 * with the same shared rules as the widget. Issue paths are `customFields.<id>` and `categoryId`.
 */
export function checkFormAnswers(
  request: Pick<TicketRequest, 'customFields' | 'categoryId'>,
  built: BuiltForm,
): Result<FormAnswers, FieldIssue[]> {
  const { values: sent, issues: repeated } = groupCustomFields(request.customFields ?? [], built.form.fields);
  // The values as they travel on: cleaned by their control's rule (clean-text.ts).
  const { values, issues: wrong } = parseAgainstForm(built.form, sent, request.categoryId);
  const issues = [...repeated, ...wrong];
  if (issues.length > 0) {
    // One issue per field, the first found.
    return fail(issues.filter((issue, index) => issues.findIndex((other) => other.path === issue.path) === index));
  }

  const customFields: FormAnswers['customFields'] = [];
  const redact: string[] = [];
  for (const field of built.form.fields) {
    const value = values[field.id];
    const rule = built.rules.get(field.id);
    if (value === undefined || rule === undefined) continue;
    const parts = (Array.isArray(value) ? value : [value]).map((part) => part.trim()).filter(Boolean);
    if (parts.length === 0) continue;
    const upstream = toUpstreamValue(rule.control, rule.format, value);
    customFields.push({ id: field.id, value: upstream });
    redact.push(...[upstream, ...parts].filter((text) => rule.sensitive || text.length >= 2));
  }
  return ok({ customFields, categoryId: request.categoryId, redact });
}
