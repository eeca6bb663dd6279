/**
 * The form's state as signals: what the visitor typed, the messages under each field and the
 * sending status, with validation by the shared request schema.
 */
import { signal } from '@preact/signals';
import * as v from 'valibot';
import { toFieldIssues, type FieldIssue } from '../shared/field-issues';
import { createTicketRequestSchema, type Sentiment, type TicketPolicy, type TicketRequest } from '../shared/ticket-request';
import { newIdempotencyKey } from '../submitter/idempotency-key';
import type { Submit, SubmitErrorCode } from '../submitter/submit-ticket';

export interface FormValues {
  title: string;
  message: string;
  sentiment: Sentiment | '';
  name: string;
  email: string;
  phoneNumber: string;
}
export type FieldName = keyof FormValues;

/** Where each form field lives in the request (and so in the relay's error paths). */
export const FIELD_PATHS: Record<FieldName, string> = {
  title: 'title',
  message: 'message',
  sentiment: 'sentiment',
  name: 'creator.name',
  email: 'creator.email',
  phoneNumber: 'creator.phoneNumber',
};

const EMPTY: FormValues = { title: '', message: '', sentiment: '', name: '', email: '', phoneNumber: '' };

export type Status =
  | { kind: 'idle' }
  | { kind: 'sending'; retry: number }
  | { kind: 'sent'; ticketId: number }
  | { kind: 'failed'; code: SubmitErrorCode };

/** The request as the schema reads it, before trimming. */
function toInput(values: FormValues) {
  return {
    title: values.title,
    message: values.message,
    sentiment: values.sentiment || undefined,
    creator: { name: values.name, email: values.email, phoneNumber: values.phoneNumber },
  };
}

/** Issues keyed by form field; paths the form has no field for are returned apart. */
function byField(issues: readonly FieldIssue[]) {
  const fields: Partial<Record<FieldName, FieldIssue>> = {};
  const other: FieldIssue[] = [];
  for (const issue of issues) {
    const name = (Object.keys(FIELD_PATHS) as FieldName[]).find((field) => FIELD_PATHS[field] === issue.path);
    if (name) fields[name] ??= issue;
    else other.push(issue);
  }
  return { fields, other };
}

export type FormState = ReturnType<typeof createFormState>;

/** Creates one form's state. `submit` is the submitter's function; the form never sees HTTP. */
export function createFormState(policy: TicketPolicy, submit: Submit) {
  const schema = createTicketRequestSchema(policy);
  const values = signal<FormValues>(EMPTY);
  const errors = signal<Partial<Record<FieldName, FieldIssue>>>({});
  const status = signal<Status>({ kind: 'idle' });
  /** Bumped whenever focus should go to the first invalid field. */
  const focusRequest = signal(0);
  let last: { body: string; key: string } | undefined;

  function check(): { request?: TicketRequest; fields: Partial<Record<FieldName, FieldIssue>> } {
    const result = v.safeParse(schema, toInput(values.value));
    return result.success ? { request: result.output, fields: {} } : { fields: byField(toFieldIssues(result.issues)).fields };
  }

  /** Shows (or clears) the message under one field: used when the visitor leaves it, and while it is wrong. */
  function validateField(name: FieldName) {
    const issue = check().fields[name];
    const next = { ...errors.value };
    if (issue) next[name] = issue;
    else delete next[name];
    errors.value = next;
  }

  function set(name: FieldName, value: string) {
    values.value = { ...values.value, [name]: value };
    if (errors.value[name]) validateField(name);
  }

  /**
   * One key per submission: a retry of the same content reuses it (so the relay can return the
   * first result), while edited content is a new submission with a new key.
   */
  function keyFor(body: string): string {
    if (last?.body !== body) last = { body, key: newIdempotencyKey() };
    return last.key;
  }

  /** Validates everything and sends. Resolves with the ticket id, or undefined when it did not go through. */
  async function send(signal?: AbortSignal): Promise<number | undefined> {
    if (status.value.kind === 'sending') return undefined;
    const { request, fields } = check();
    errors.value = fields;
    if (!request) {
      status.value = { kind: 'failed', code: 'validation' };
      focusRequest.value++;
      return undefined;
    }
    status.value = { kind: 'sending', retry: 0 };
    const result = await submit(request, keyFor(JSON.stringify(request)), signal);
    if (result.ok) {
      status.value = { kind: 'sent', ticketId: result.ticketId };
      return result.ticketId;
    }
    status.value = { kind: 'failed', code: result.code };
    if (result.fields) {
      errors.value = byField(result.fields).fields;
      focusRequest.value++;
    }
    return undefined;
  }

  /** Called by the submitter before each automatic retry. */
  function retrying(retry: number) {
    if (status.value.kind === 'sending') status.value = { kind: 'sending', retry };
  }

  /** Back to an empty form, after a ticket was sent. */
  function reset() {
    values.value = EMPTY;
    errors.value = {};
    status.value = { kind: 'idle' };
    last = undefined;
  }

  return { values, errors, status, focusRequest, set, validateField, send, retrying, reset };
}
