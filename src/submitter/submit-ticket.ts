/**
 * Sends a ticket to the relay: `POST {relay}/tickets` with the submission's Idempotency-Key on
 * every attempt. The widget receives `submit` and never sees HTTP statuses.
 */
import { IDEMPOTENCY_HEADER, type TicketAccepted } from '../shared/relay-contract';
import { fail } from '../shared/result';
import type { TicketRequestInput } from '../shared/ticket-request';
import { isRecord, type RelayCall, type RelayCallErrorCode, type RelayCallResult } from './relay-call';

/**
 * How long a ticket keeps trying (`retryForMs`, with no limit on the number of retries): about as
 * long as a relay takes to restart (issue 9), where the form and uploads give up after a few
 * tries. A visitor who waits sees "still trying"; past it, the message waits in the outbox.
 */
export const TICKET_RETRY_MS = 45_000;

export type SubmitErrorCode = RelayCallErrorCode;
/** The new ticket's id (or, when the relay queued it, its reference), or why there is none. */
export type SubmitResult = RelayCallResult<TicketAccepted>;
export type Submit = (request: TicketRequestInput, key: string, signal?: AbortSignal) => Promise<SubmitResult>;

/** The page's signed identity token (docs/identity.md), or a function giving a fresh one; nothing for an anonymous visitor. */
export type IdentitySource = string | (() => string | null | undefined | Promise<string | null | undefined>);

export interface SubmitterOptions {
  identity?: IdentitySource;
  /** Tells the integrator why an identity failed (the relay's English message, or the function's error). */
  report?: (problem: string) => void;
}

/** Creates the submit function the widget is given. */
export function createSubmitter(call: RelayCall, { identity, report = () => {} }: SubmitterOptions = {}): Submit {
  return async (request, key, signal) => {
    let token: string | null | undefined;
    try {
      // Asked once per send, not at mount: tokens are short-lived and a page may sign in later.
      token = typeof identity === 'function' ? await identity() : identity;
    } catch (error) {
      report(`option "identity" failed: ${(error as Error)?.message ?? String(error)}`);
      return fail({ code: 'identity_invalid' });
    }
    const result = await call(
      {
        path: '/tickets',
        method: 'POST',
        headers: { 'Content-Type': 'application/json', [IDEMPOTENCY_HEADER]: key },
        body: JSON.stringify(token ? { ...request, identity: token } : request),
        // 201 `{ ticketId }`, or 202 `{ queued: true, reference }` (relay-contract.ts): each taken as the very shape it is.
        read: (body): TicketAccepted | undefined =>
          !isRecord(body)
            ? undefined
            : Number.isInteger(body.ticketId)
              ? { ticketId: body.ticketId as number }
              : body.queued === true && typeof body.reference === 'string'
                ? { queued: true, reference: body.reference }
                : undefined,
      },
      signal,
    );
    if (!result.ok && result.error.code.startsWith('identity')) report(`the relay refused the identity: ${result.error.message ?? result.error.code}`);
    return result;
  };
}
