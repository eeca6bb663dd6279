/** The tickets route's own Hono environment: what its steps pass each other, on top of what every route shares. */
import type { TicketRequest } from '../../shared/ticket-request';
import type { FormAnswers } from '../form/form-answers';
import type { IdentityClaims } from '../identity/identity-token';
import type { IdempotencyEnv } from '../middleware/idempotency';

export interface TicketsEnv extends IdempotencyEnv {
  Variables: IdempotencyEnv['Variables'] & {
    /** The validated body, without its identity token once the identity middleware has read it. */
    ticketRequest: TicketRequest;
    /** What a verified identity token vouches for; undefined without one (set by the identity middleware). */
    identity: IdentityClaims | undefined;
    /** Every field's value checked against the form (the verified identity's in place), custom values in their upstream format. */
    formAnswers: FormAnswers;
  };
}
