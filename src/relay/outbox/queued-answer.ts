/** The answers an outbox entry's Idempotency-Key stands for: `202 queued` while it waits, `201` once delivered. */
import type { TicketCreated, TicketQueued } from '../../shared/relay-contract';
import type { StoredResponse } from '../stores/idempotency-store';

const JSON_TYPE = { 'content-type': 'application/json' };

/** The `202` body the visitor gets, and every retry of the key while the ticket is queued. */
export const queuedBody = (reference: string): TicketQueued => ({ queued: true, reference });

/** The `202` as the idempotency store keeps it. */
export const queuedAnswer = (reference: string): StoredResponse => ({ status: 202, body: JSON.stringify(queuedBody(reference)), headers: JSON_TYPE });

/** The `201` a retry gets once the outbox delivered the ticket, as if the first request had created it. */
export const createdAnswer = (ticketId: number): StoredResponse => {
  const body: TicketCreated = { ticketId };
  return { status: 201, body: JSON.stringify(body), headers: JSON_TYPE };
};
