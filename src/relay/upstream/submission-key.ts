/** The Idempotency-Key of the submission being sent, so upstream log lines about it can name it. */
import { AsyncLocalStorage } from 'node:async_hooks';

// Async-local because the tickets route hands the client only the ticket body; an operator
// reconciling a ticket that may exist twice needs the key the widget retried with.
const current = new AsyncLocalStorage<string>();

/** Runs `work` with `key` as the Idempotency-Key of every upstream call it makes. */
export function withSubmissionKey<T>(key: string, work: () => Promise<T>): Promise<T> {
  return current.run(key, work);
}

/** The Idempotency-Key of the submission being sent, outside one undefined. */
export function submissionKey(): string | undefined {
  return current.getStore();
}
