/** Verifies the request's signed identity token, if any, before anything else looks at the ticket. */
import type { MiddlewareHandler } from 'hono';
import { errorResponse } from '../error-response';
import type { Logger } from '../log';
import type { TicketsEnv } from '../routes/tickets-env';
import type { VerifyIdentity } from './verify-identity';

export interface IdentityMiddlewareOptions {
  verify: VerifyIdentity;
  /** RELAY_IDENTITY_REQUIRED: refuse a ticket without a token. */
  required: boolean;
  log: Logger;
}

/**
 * Runs after the body was validated. Sets `identity` to the verified claims (undefined without a
 * token) and takes the token out of `ticketRequest`, so it is never fingerprinted, mapped or
 * logged. A bad token is a 401 `identity_invalid` whose message names the check that failed;
 * the log line names it too, by reason code, never with the token.
 */
export const verifyIdentity = ({ verify, required, log }: IdentityMiddlewareOptions): MiddlewareHandler<TicketsEnv> => async (c, next) => {
  const { identity: token, ...request } = c.get('ticketRequest');
  if (token === undefined) {
    if (required) return errorResponse(c, 'identity_required');
    c.set('identity', undefined);
    return next();
  }
  const verified = await verify(token);
  if (!verified.ok) {
    log.info('identity token refused', { reason: verified.error.reason });
    return errorResponse(c, 'identity_invalid', { message: verified.error.message });
  }
  c.set('identity', verified.value.claims);
  c.set('ticketRequest', request);
  return next();
};
