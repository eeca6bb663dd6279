/** Field issues as the relay answers them: each with its English text, and a summary naming the fields. */
import { FIELD_ISSUE_TEXT_EN, formatIssue } from '../shared/field-issues';
import type { FieldIssue } from '../shared/field-issues';
import type { RelayFieldError } from '../shared/relay-contract';

/** Each issue with its English message. */
export const fieldErrors = (issues: readonly FieldIssue[]): RelayFieldError[] =>
  issues.map((issue) => ({ ...issue, message: formatIssue(FIELD_ISSUE_TEXT_EN[issue.code], issue) }));

/** What a `validation` answer says: its message and the fields it lists. */
export interface InvalidFields {
  message: string;
  fields: RelayFieldError[];
}

/** A validation answer's message (`Invalid fields: title, message.`) and fields. */
export function invalidFields(issues: readonly FieldIssue[]): InvalidFields {
  const paths = issues.map((issue) => issue.path || '(body)');
  return { message: `Invalid field${paths.length === 1 ? '' : 's'}: ${paths.join(', ')}.`, fields: fieldErrors(issues) };
}
