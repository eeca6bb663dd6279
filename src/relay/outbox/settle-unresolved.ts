/**
 * Settles Idempotency-Keys left unresolved with no outbox entry behind them (the seam
 * `listUnresolved` / `settle` of the idempotency store): a relay that ran without the outbox, or
 * whose outbox could not stage the ticket, died after sending it. With RELAY_SUBMISSION_KEY_FIELD
 * the ticket is looked up, and if found the key gets its `201`; without the field, or when
 * Socialboards has none, there is no body to send, so the key waits for the visitor's retry.
 */
import type { Logger } from '../log';
import type { IdempotencyStore } from '../stores/idempotency-store';
import type { SocialboardsClient } from '../upstream/socialboards-client';
import type { OutboxStore } from './outbox-store';
import { createdAnswer } from './queued-answer';

export interface SettleUnresolvedOptions {
  store: IdempotencyStore;
  outbox: OutboxStore;
  client: SocialboardsClient;
  submissionKeyField: number | null;
  /** Socialboards may still be creating a ticket this long after the attempt (RELAY_UPSTREAM_TIMEOUT_MS). */
  lookupDelayMs: number;
  /** A key looked up in vain is looked up again after this long. */
  recheckMs: number;
  now: () => number;
  log: Logger;
}

/** Keys looked at per pass. */
const BATCH = 50;

/** Returns one pass, resolving with how many keys it settled. */
export function settleUnresolved({ store, outbox, client, submissionKeyField, lookupDelayMs, recheckMs, now, log }: SettleUnresolvedOptions) {
  // In memory only: after a restart each key is looked at once more, which is harmless.
  const nextLook = new Map<string, number>();
  return async (): Promise<number> => {
    let settled = 0;
    const keys = await store.listUnresolved(BATCH);
    const listed = new Set(keys.map(({ key }) => key));
    for (const key of nextLook.keys()) if (!listed.has(key)) nextLook.delete(key);
    for (const { key, since } of keys) {
      // Its outbox entry (a staged ticket whose relay died) delivers it and answers for the key.
      if (since + lookupDelayMs > now() || (nextLook.get(key) ?? 0) > now() || (await outbox.get(key)) !== undefined) continue;
      nextLook.set(key, now() + recheckMs);
      if (submissionKeyField === null) {
        log.warn('unresolved idempotency key without an outbox entry and no RELAY_SUBMISSION_KEY_FIELD: its retries get submission_unresolved', { idempotencyKey: key });
        continue;
      }
      const found = await client.findTicketsByField(submissionKeyField, key, { idempotencyKey: key });
      if (!found.ok) continue;
      const [ticketId] = found.value;
      if (ticketId === undefined) {
        log.info('unresolved idempotency key has no ticket in Socialboards; a retry of it sends the ticket', { idempotencyKey: key });
        continue;
      }
      if (await store.settle(key, createdAnswer(ticketId))) {
        settled += 1;
        log.info('outbox settled an unresolved idempotency key with the ticket it found', { idempotencyKey: key, ticketId });
      }
    }
    return settled;
  };
}

/**
 * Runs `settleUnresolved` at once and then every `everyMs`, one pass at a time, on a timer that does
 * not keep the process alive. Returns `stop`, which resolves once a pass in progress has ended.
 */
export function settleUnresolvedEvery(options: SettleUnresolvedOptions & { everyMs: number }): () => Promise<void> {
  const pass = settleUnresolved(options);
  let running: Promise<unknown> | undefined;
  const run = () => {
    running ??= pass()
      .catch((error: unknown) => options.log.warn('outbox could not settle unresolved keys', { reason: String(error) }))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(run, options.everyMs);
  timer.unref();
  run();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
