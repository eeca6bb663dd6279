/**
 * One delivery attempt of a queued ticket: take its Idempotency-Key when nobody answers for it (a
 * relay died mid-request), look for the ticket first when an earlier attempt may have created it
 * (RELAY_SUBMISSION_KEY_FIELD), else send it; once it exists, the key's stored answer becomes the
 * `201` and the attachments' retention starts.
 */
import type { Logger } from '../log';
import type { IdempotencyStore, StoredResponse } from '../stores/idempotency-store';
import type { SocialboardsClient } from '../upstream/socialboards-client';
import type { Deliver, DeliveryOutcome, OutboxEntry } from './outbox-store';
import { createdAnswer, queuedAnswer } from './queued-answer';
import type { QueuedFiles } from './queued-files';

export interface DeliverTicketOptions {
  /** The same guarded client visitors' tickets use: the outbox shares the concurrency limit and the breaker. */
  client: SocialboardsClient;
  store: IdempotencyStore;
  /** RELAY_SUBMISSION_KEY_FIELD, or null: then an ambiguous attempt is sent again without looking. */
  submissionKeyField: number | null;
  /** Undefined when the relay takes no attachments. */
  files: QueuedFiles | undefined;
  now: () => number;
  log: Logger;
}

/** How the key stands for this attempt: answered (`202` kept, or the ticket's own answer), or held by this worker. */
type KeyHold = { held: false } | { held: true; holder: string; stop: () => void };

export function deliverTicket({ client, store, submissionKeyField, files, now, log }: DeliverTicketOptions): Deliver {
  /**
   * The key as the outbox finds it. Queued by a request, it holds the `202` (a replay: nothing to
   * take). Staged by a request whose relay died, it is held or unresolved: the worker takes it, so
   * that a visitor's retry waits for this attempt instead of sending the ticket beside it.
   */
  const claimKey = async (entry: OutboxEntry): Promise<KeyHold | DeliveryOutcome> => {
    const reservation = await store.reserve(entry.key, entry.fingerprint, { takeUnresolved: true });
    switch (reservation.status) {
      case 'replay':
        return settledAlready(entry, reservation.response) ?? { held: false };
      case 'in_flight':
        // A visitor's retry (or the request that staged it) is on it right now; its answer settles this.
        return { outcome: 'retry', reason: 'key_in_flight', ambiguous: entry.ambiguous };
      case 'conflict':
        return { outcome: 'refused', reason: 'idempotency_conflict' };
      case 'unresolved':
        return { outcome: 'retry', reason: 'submission_unresolved', ambiguous: true };
      case 'reserved': {
        const { holder } = reservation.lease;
        const timer = setInterval(() => {
          store.renew(entry.key, holder).catch(() => {});
        }, Math.max(10, (reservation.lease.expiresAt - now()) / 3));
        timer.unref();
        return { held: true, holder, stop: () => clearInterval(timer) };
      }
    }
  };

  /** A final answer some request stored meanwhile: the ticket exists (a `201`, or an unconfirmed `502`). */
  const settledAlready = (entry: OutboxEntry, response: StoredResponse): DeliveryOutcome | undefined => {
    if (response.status === 202) return undefined;
    const ticketId = response.status === 201 ? (JSON.parse(response.body) as { ticketId: number }).ticketId : null;
    log.info('outbox found its ticket settled by a request; not sending it', { reference: entry.reference, ticketId });
    return { outcome: 'delivered', ticketId };
  };

  /** The ticket exists: a retry of the key gets it from now on. Bookkeeping failures are logged; the ticket stands. */
  const delivered = async (entry: OutboxEntry, key: KeyHold, ticketId: number | null): Promise<DeliveryOutcome> => {
    // Without an id (accepted, unconfirmed) the 202 stays the answer, now for the TTL only.
    const answer = ticketId === null ? queuedAnswer(entry.reference) : createdAnswer(ticketId);
    try {
      const stored = key.held ? await store.complete(entry.key, key.holder, answer) : await store.replaceAnswer(entry.key, answer);
      if (!stored) log.warn('outbox delivered a ticket whose key it could not answer for', { reference: entry.reference, ticketId });
    } catch (error) {
      log.error('outbox could not store the delivered answer; retries keep getting 202', { reference: entry.reference, reason: String(error) });
    }
    return { outcome: 'delivered', ticketId };
  };

  const attempt = async (entry: OutboxEntry, key: KeyHold, markSending: () => Promise<boolean>): Promise<DeliveryOutcome> => {
    let ambiguous = entry.ambiguous;
    if (ambiguous && submissionKeyField !== null) {
      const found = await client.findTicketsByField(submissionKeyField, entry.key, { idempotencyKey: entry.key });
      if (!found.ok) return { outcome: 'retry', reason: found.error.code, ambiguous: true };
      const [first] = found.value;
      if (first !== undefined) {
        log.info('outbox found the ticket an ambiguous attempt created; not sending it again', { reference: entry.reference, ticketId: first });
        return delivered(entry, key, first);
      }
      ambiguous = false;
    }
    // Lost to another worker (this one stalled past its lease): that one sends.
    if (!(await markSending())) return { outcome: 'retry', reason: 'lease_lost', ambiguous: true };
    if (key.held && !(await store.markSending(entry.key, key.holder))) return { outcome: 'retry', reason: 'key_lost', ambiguous };
    // Served to Socialboards from now on (staged files were only reserved), and kept from the attempt on.
    await files?.attach(entry.files);
    const result = await client.createTicket(entry.body, { redact: entry.redact, idempotencyKey: entry.key });
    if (result.ok) return delivered(entry, key, result.value);
    const { code, outcomeUnknown } = result.error;
    if (code === 'upstream_unconfirmed') return delivered(entry, key, null);
    if (code === 'upstream_rejected') return { outcome: 'refused', reason: code };
    return { outcome: 'retry', reason: code, ambiguous: ambiguous || outcomeUnknown === true };
  };

  return async ({ entry, markSending }) => {
    const key = await claimKey(entry);
    if ('outcome' in key) return key;
    try {
      const outcome = await attempt(entry, key, markSending);
      // Still queued (or dead): a retry of the key replays the 202 meanwhile, and never sends it itself.
      if (key.held && outcome.outcome !== 'delivered') await store.complete(entry.key, key.holder, queuedAnswer(entry.reference), { keep: true });
      return outcome;
    } finally {
      if (key.held) key.stop();
    }
  };
}
