/** The Hono environment shared by the relay's middleware and routes: what they pass each other per request. */
import type { TicketRequest } from '../shared/ticket-request';
import type { RelayErrorCode } from '../shared/relay-contract';
import type { FormAnswers } from './form/form-answers';
import type { IdentityClaims } from './identity/identity-token';

export interface RelayEnv {
  Variables: {
    /** The request body after validation (set by the tickets route). */
    ticketRequest: TicketRequest;
    /** What a verified identity token vouches for; undefined without one (set by the identity middleware). */
    identity: IdentityClaims | undefined;
    /** Its custom fields and category, checked against the form (set by the tickets route). */
    formAnswers: FormAnswers;
    /** What the request log reports besides method, path and status. */
    errorCode: RelayErrorCode;
    ticketId: number;
    idempotentReplay: boolean;
    /** The submission's Idempotency-Key (set by the idempotency middleware), for upstream log lines. */
    idempotencyKey: string;
  };
}
