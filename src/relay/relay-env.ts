/** The Hono environment shared by the relay's middleware and routes: what they pass each other per request. */
import type { TicketRequest } from '../shared/ticket-request';
import type { RelayErrorCode } from '../shared/relay-contract';
import type { FormAnswers } from './form/form-answers';
import type { IdentityClaims } from './identity/identity-token';

/** Who sent a request (set by the client middleware). */
export interface RequestClient {
  /** The client's IP address (the socket's, or the hop trusted proxies vouch for), or `unknown`. */
  address: string;
  /** What its limits count under: the address, or its /64 for IPv6. */
  key: string;
  /** Its name in log lines: a keyed hash of `key`, never the address. */
  logId: string;
}

export interface RelayEnv {
  Variables: {
    client: RequestClient;
    /** The request body after validation (set by the tickets route). */
    ticketRequest: TicketRequest;
    /** What a verified identity token vouches for; undefined without one (set by the identity middleware). */
    identity: IdentityClaims | undefined;
    /** Its fields checked against the form, custom values in their upstream format (set by the tickets route). */
    formAnswers: FormAnswers;
    /** What the request log reports besides method, path and status. */
    errorCode: RelayErrorCode;
    ticketId: number;
    idempotentReplay: boolean;
    /** The submission's Idempotency-Key (set by the idempotency middleware), for upstream log lines. */
    idempotencyKey: string;
  };
}
