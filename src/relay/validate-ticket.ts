/**
 * Checks a widget request's shape with the shared schema and turns failures into field errors with
 * English text. Its fields' values are checked against the form afterwards (form/form-answers.ts).
 */
import * as v from 'valibot';
import { toFieldIssues } from '../shared/field-issues';
import type { FieldIssue } from '../shared/field-issues';
import type { RelayFieldError } from '../shared/relay-contract';
import { TicketRequest } from '../shared/ticket-request';
import { invalidFields } from './field-errors';

export type TicketValidation =
  | { ok: true; request: TicketRequest }
  | { ok: false; message: string; fields: RelayFieldError[] };

export interface ValidatorOptions {
  /** Whether the relay takes attachments (RELAY_ATTACHMENTS is not `off`). */
  attachments: boolean;
}

/** Builds a validator for a relay that does or does not take attachments. */
export function createTicketValidator(options: ValidatorOptions = { attachments: true }): (input: unknown) => TicketValidation {
  return (input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return { ok: false, message: 'The request body must be a JSON object.', fields: [] };
    }
    const result = v.safeParse(TicketRequest, input);
    // A relay with RELAY_ATTACHMENTS=off refuses attachments rather than silently dropping them.
    const { attachments } = input as Record<string, unknown>;
    const refused = !options.attachments && (Array.isArray(attachments) ? attachments.length > 0 : attachments !== undefined);
    if (result.success && !refused) return { ok: true, request: result.output };
    const issues: FieldIssue[] = [
      ...(refused ? [{ path: 'attachments', code: 'not_enabled' as const }] : []),
      // A field that is refused outright needs no further detail.
      ...(result.success ? [] : toFieldIssues(result.issues)).filter(
        (issue) => !refused || (issue.path !== 'attachments' && !issue.path.startsWith('attachments.')),
      ),
    ];
    const { message, fields } = invalidFields(issues);
    return { ok: false, message: refused ? `${message} This relay does not accept attachments.` : message, fields };
  };
}
