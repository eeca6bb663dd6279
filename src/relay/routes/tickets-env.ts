/** The tickets route's own Hono environment: what its steps pass each other, on top of what every route shares. */
import type { TicketRequest } from '../../shared/ticket-request';
import type { FormAnswers } from '../form/form-answers';
import type { IdentityClaims } from '../identity/identity-token';
import type { IdempotencyEnv } from '../middleware/idempotency';

export interface TicketsEnv extends IdempotencyEnv {
  Variables: IdempotencyEnv['Variables'] & {
    /** The request as the steps so far made it: the validated body, then with the verified identity applied. */
    ticketRequest: TicketRequest;
    /** What a verified identity token vouches for; undefined without one (set by the identity middleware). */
    identity: IdentityClaims | undefined;
    /** Its custom fields and category, checked against the form. */
    formAnswers: FormAnswers;
  };
}
