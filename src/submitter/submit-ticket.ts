/**
 * Sends a ticket to the relay: `POST {relay}/tickets` with the submission's Idempotency-Key on
 * every attempt. The widget receives `submit` and never sees HTTP statuses.
 */
import { IDEMPOTENCY_HEADER } from '../shared/relay-contract';
import { fail } from '../shared/result';
import type { TicketRequestInput } from '../shared/ticket-request';
import { isRecord, type RelayCall, type RelayCallErrorCode, type RelayCallResult } from './relay-call';

export type SubmitErrorCode = RelayCallErrorCode;
/** The new ticket's id, or why there is none. */
export type SubmitResult = RelayCallResult<number>;
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
        read: (body) => {
          const ticketId = isRecord(body) ? body.ticketId : undefined;
          return Number.isInteger(ticketId) ? (ticketId as number) : undefined;
        },
      },
      signal,
    );
    if (!result.ok && result.error.code.startsWith('identity')) report(`the relay refused the identity: ${result.error.message ?? result.error.code}`);
    return result;
  };
}
