/** Re-validates a widget request with the shared schema and turns failures into field errors with English text. */
import * as v from 'valibot';
import { FIELD_ISSUE_TEXT_EN, formatIssue, toFieldIssues } from '../shared/field-issues';
import type { FieldIssue } from '../shared/field-issues';
import type { RelayFieldError } from '../shared/relay-contract';
import { createTicketRequestSchema } from '../shared/ticket-request';
import type { TicketPolicy, TicketRequest } from '../shared/ticket-request';

export type TicketValidation =
  | { ok: true; request: TicketRequest }
  | { ok: false; message: string; fields: RelayFieldError[] };

// Fields of the contract a relay can be configured not to take, with the word its message uses.
// A relay with RELAY_ATTACHMENTS=off refuses attachments rather than silently dropping them.
const NOT_ENABLED: Record<string, string> = {
  attachments: 'attachments',
};

export interface ValidatorOptions {
  /** Whether the relay takes attachments (RELAY_ATTACHMENTS is not `off`). */
  attachments: boolean;
}

/** Builds a validator for one policy (the schema is built once, not per request). */
export function createTicketValidator(
  policy: TicketPolicy,
  options: ValidatorOptions = { attachments: true },
): (input: unknown) => TicketValidation {
  const schema = createTicketRequestSchema(policy);
  const disabled = Object.keys(NOT_ENABLED).filter((path) => path !== 'attachments' || !options.attachments);
  return (input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return { ok: false, message: 'The request body must be a JSON object.', fields: [] };
    }
    const result = v.safeParse(schema, input);
    const refused = notEnabledIssues(input as Record<string, unknown>, disabled);
    if (result.success && refused.length === 0) return { ok: true, request: result.output };
    const issues = [
      ...refused,
      // A field that is refused outright needs no further detail.
      ...(result.success ? [] : toFieldIssues(result.issues)).filter(
        (issue) => !refused.some((r) => issue.path === r.path || issue.path.startsWith(`${r.path}.`)),
      ),
    ];
    return invalidFields(issues);
  };
}

/** A validation failure for these issues: the summary message and each field with its English text. */
export function invalidFields(issues: readonly FieldIssue[]): { ok: false; message: string; fields: RelayFieldError[] } {
  return { ok: false, message: summary(issues), fields: issues.map(withMessage) };
}

function notEnabledIssues(record: Record<string, unknown>, disabled: readonly string[]): FieldIssue[] {
  return disabled
    .filter((path) => {
      const value = record[path];
      return Array.isArray(value) ? value.length > 0 : value !== undefined;
    })
    .map((path) => ({ path, code: 'not_enabled' }));
}

function withMessage(issue: FieldIssue): RelayFieldError {
  return { ...issue, message: formatIssue(FIELD_ISSUE_TEXT_EN[issue.code], issue) };
}

function summary(issues: readonly FieldIssue[]): string {
  const paths = issues.map((issue) => issue.path || '(body)');
  const refused = issues.flatMap((issue) => (issue.code === 'not_enabled' ? [NOT_ENABLED[issue.path]] : []));
  const invalid = `Invalid field${paths.length === 1 ? '' : 's'}: ${paths.join(', ')}.`;
  return refused.length === 0 ? invalid : `${invalid} This relay does not accept ${joinAnd(refused)}.`;
}

function joinAnd(items: readonly (string | undefined)[]): string {
  const words = items.filter((item): item is string => item !== undefined);
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}
