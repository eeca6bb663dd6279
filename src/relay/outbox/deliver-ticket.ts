/**
 * One delivery attempt of a queued ticket: look for it first when an earlier attempt may have
 * created it (RELAY_SUBMISSION_KEY_FIELD), else send it; once it exists, the key's stored answer
 * becomes the `201` and the attachments' retention starts.
 */
import type { Logger } from '../log';
import type { IdempotencyStore } from '../stores/idempotency-store';
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
  log: Logger;
}

export function deliverTicket({ client, store, submissionKeyField, files, log }: DeliverTicketOptions): Deliver {
  /** The ticket exists: a retry of the key gets it from now on. Bookkeeping failures are logged; the ticket stands. */
  const delivered = async (entry: OutboxEntry, ticketId: number | null): Promise<DeliveryOutcome> => {
    // Without an id (accepted, unconfirmed) the 202 stays the answer, now for the TTL only.
    const answer = ticketId === null ? queuedAnswer(entry.reference) : createdAnswer(ticketId);
    try {
      // Normally the key holds the 202; a key left unresolved (the 202 could not be stored) is settled.
      const replaced = (await store.replaceAnswer(entry.key, answer)) || (await store.settle(entry.key, answer));
      if (!replaced) log.warn('outbox delivered a ticket whose key has no answer to replace', { reference: entry.reference, ticketId });
    } catch (error) {
      log.error('outbox could not store the delivered answer; retries keep getting 202', { reference: entry.reference, reason: String(error) });
    }
    await files?.delivered(entry.files).catch((error: unknown) => {
      log.error('outbox could not start the retention of delivered attachments', { reference: entry.reference, reason: String(error) });
    });
    return { outcome: 'delivered', ticketId };
  };

  return async ({ entry, markSending }) => {
    let ambiguous = entry.ambiguous;
    if (ambiguous && submissionKeyField !== null) {
      const found = await client.findTicketsByField(submissionKeyField, entry.key, { idempotencyKey: entry.key });
      if (!found.ok) return { outcome: 'retry', reason: found.error.code, ambiguous: true };
      const [first] = found.value;
      if (first !== undefined) {
        log.info('outbox found the ticket an ambiguous attempt created; not sending it again', { reference: entry.reference, ticketId: first });
        return delivered(entry, first);
      }
      ambiguous = false;
    }
    // Lost to another worker (this one stalled past its lease): that one sends.
    if (!(await markSending())) return { outcome: 'retry', reason: 'lease_lost', ambiguous: true };
    const result = await client.createTicket(entry.body, { redact: entry.redact, idempotencyKey: entry.key });
    if (result.ok) return delivered(entry, result.value);
    const { code, outcomeUnknown } = result.error;
    if (code === 'upstream_unconfirmed') return delivered(entry, null);
    if (code === 'upstream_rejected') return { outcome: 'refused', reason: code };
    return { outcome: 'retry', reason: code, ambiguous: ambiguous || outcomeUnknown === true };
  };
}
