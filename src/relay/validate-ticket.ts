/** What the relay refuses in a widget request beyond the shared schema's issues, and how it words the refusal. */
import type { FieldIssue } from '../shared/field-issues';
import { invalidFields } from './field-errors';
import type { JudgeBody } from './middleware/json-body';

export interface ValidatorOptions {
  /** Whether the relay takes attachments (RELAY_ATTACHMENTS is not `off`). */
  attachments: boolean;
}

/**
 * Judges a ticket request the shared schema has checked: its issues, and with RELAY_ATTACHMENTS=off
 * any attachments, which are refused rather than silently dropped.
 */
export function judgeTicketRequest(options: ValidatorOptions = { attachments: true }): JudgeBody {
  return (body, schemaIssues) => {
    const { attachments } = body;
    const refused = !options.attachments && (Array.isArray(attachments) ? attachments.length > 0 : attachments !== undefined);
    if (schemaIssues.length === 0 && !refused) return undefined;
    const issues: FieldIssue[] = [
      ...(refused ? [{ path: 'attachments', code: 'not_enabled' as const }] : []),
      // A field that is refused outright needs no further detail.
      ...schemaIssues.filter((issue) => !refused || (issue.path !== 'attachments' && !issue.path.startsWith('attachments.'))),
    ];
    const { message, fields } = invalidFields(issues);
    return { message: refused ? `${message} This relay does not accept attachments.` : message, fields };
  };
}
