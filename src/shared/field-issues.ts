/** Field issue codes: the stable vocabulary in which widget and relay report a bad field. */
import type * as v from 'valibot';

/** One bad field: its dot path in the request (`creator.email`), a code and, for size caps, the limit. */
export interface FieldIssue {
  path: string;
  code: FieldIssueCode;
  limit?: number;
}

/**
 * Every way a single field can be wrong, with its English text: the relay sends the text to
 * integrators, and the widget's `en` catalogue reuses it.
 */
export const FIELD_ISSUE_TEXT_EN = {
  required: 'This field is required.',
  too_long: 'Use at most {limit} characters.',
  too_many: 'Choose at most {limit}.',
  invalid_email: 'Enter an email address like name@example.com.',
  email_local_too_long: 'Use at most 64 characters before the @.',
  invalid_phone: 'Enter a phone number using digits, spaces and an optional leading +.',
  invalid_number: 'Enter a number, like 42 or 3.5.',
  invalid_date: 'Enter a real date.',
  invalid_url: 'Enter a web address starting with https://.',
  invalid_choice: 'Choose one of the offered options.',
  invalid: 'This value is not valid.',
  invalid_text: 'This text holds characters that cannot be sent.',
  unknown_field: 'This field is not accepted.',
  not_enabled: 'This relay does not accept this field yet.',
};

/** A field issue's stable code. The widget renders each in the visitor's language. */
export type FieldIssueCode = keyof typeof FIELD_ISSUE_TEXT_EN;

/** Fills `{limit}` in a message template. */
export function formatIssue(template: string, issue: Pick<FieldIssue, 'limit'>): string {
  return template.replace('{limit}', String(issue.limit ?? ''));
}

/** The code our schemas put in an issue's message, else plain `invalid`. */
function messageCode(issue: v.BaseIssue<unknown>): FieldIssueCode {
  return issue.message in FIELD_ISSUE_TEXT_EN ? (issue.message as FieldIssueCode) : 'invalid';
}

function codeOf(issue: v.BaseIssue<unknown>): FieldIssueCode {
  // A strict object reports a missing key, an unknown key and a value that is not an object
  // with its own message; `expected` ('never': the key must not be there) and the input tell them
  // apart. Null counts as missing, as it does for the text fields.
  if (issue.type === 'strict_object') {
    if (issue.expected === 'never') return 'unknown_field';
    return issue.input === undefined || issue.input === null ? 'required' : 'invalid';
  }
  return messageCode(issue);
}

/** One valibot issue as a field issue at `path` with the given code. */
function fieldIssue(issue: v.BaseIssue<unknown>, code: FieldIssueCode, path: string): FieldIssue {
  // Only size caps carry their limit: it fills "{limit}" in their message.
  const limit = (code === 'too_long' || code === 'too_many') && typeof issue.requirement === 'number' ? issue.requirement : undefined;
  return { path, code, limit };
}

/**
 * One issue of a single field's value schema (see fieldSchema in field-values.ts) as a field
 * issue at that field's `path`. Such a schema holds no object, so neither the issue's own path nor
 * the strict-object reading of `toFieldIssues`, which only the relay's request schemas need, is
 * read, and both stay out of the widget's bundle.
 */
export const toFieldIssue = (issue: v.BaseIssue<unknown>, path: string): FieldIssue => fieldIssue(issue, messageCode(issue), path);

/**
 * Turns valibot issues into field issues, one per path (the first wins, as a visitor
 * fixes one problem at a time per field).
 */
export function toFieldIssues(issues: readonly v.BaseIssue<unknown>[]): FieldIssue[] {
  const byPath = new Map<string, FieldIssue>();
  for (const issue of issues) {
    const found = fieldIssue(issue, codeOf(issue), (issue.path ?? []).map((item) => String(item.key)).join('.'));
    if (!byPath.has(found.path)) byPath.set(found.path, found);
  }
  return [...byPath.values()];
}
