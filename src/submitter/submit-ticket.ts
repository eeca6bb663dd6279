/**
 * Sends a ticket to the relay: `POST {relay}/tickets` with the submission's Idempotency-Key on
 * every attempt. The widget receives `submit` and never sees HTTP statuses.
 */
import { IDEMPOTENCY_HEADER } from '../shared/relay-contract';
import type { TicketRequest } from '../shared/ticket-request';
import { isRecord, type RelayCall, type RelayCallErrorCode, type RelayCallResult } from './relay-call';

export type SubmitErrorCode = RelayCallErrorCode;
export type SubmitResult = RelayCallResult<{ ticketId: number }>;
export type Submit = (request: TicketRequest, key: string, signal?: AbortSignal) => Promise<SubmitResult>;

/** Creates the submit function the widget is given. */
export function createSubmitter(call: RelayCall): Submit {
  return (request, key, signal) =>
    call(
      {
        path: '/tickets',
        method: 'POST',
        headers: { 'Content-Type': 'application/json', [IDEMPOTENCY_HEADER]: key },
        body: JSON.stringify(request),
        read: (body) => {
          const ticketId = isRecord(body) ? body.ticketId : undefined;
          return Number.isInteger(ticketId) ? { ticketId: ticketId as number } : undefined;
        },
      },
      signal,
    );
}
