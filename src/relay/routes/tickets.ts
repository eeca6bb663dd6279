/** `POST /tickets`: a widget request, checked and pinned, becomes a Socialboards ticket. */
import { Hono } from 'hono';
import type { MiddlewareHandler } from 'hono';
import type { TicketCreated } from '../../shared/relay-contract';
import type { TicketPolicy } from '../../shared/ticket-request';
import { errorResponse } from '../error-response';
import { fingerprint } from '../fingerprint';
import { mapTicket } from '../map-ticket';
import type { PinnedTicketFields } from '../map-ticket';
import { bodyLimit } from '../middleware/body-limit';
import { idempotency } from '../middleware/idempotency';
import { requireJson } from '../middleware/require-json';
import type { RelayEnv } from '../relay-env';
import type { IdempotencyStore } from '../stores/idempotency-store';
import type { SocialboardsClient } from '../upstream/socialboards-client';
import { createTicketValidator } from '../validate-ticket';

export interface TicketsRouteOptions {
  policy: TicketPolicy;
  pinned: PinnedTicketFields;
  maxBodyBytes: number;
  client: SocialboardsClient;
  store: IdempotencyStore;
}

/**
 * The order matters: cheap header checks, then the size cap before reading, then validation
 * (so invalid requests never touch the idempotency store), then the key reservation, and only
 * then the upstream call.
 */
export function ticketsRoute({ policy, pinned, maxBodyBytes, client, store }: TicketsRouteOptions): Hono<RelayEnv> {
  return new Hono<RelayEnv>().post(
    '/tickets',
    requireJson(),
    bodyLimit({ maxBytes: maxBodyBytes }),
    validateTicket(policy),
    idempotency({ store, fingerprint: (c) => fingerprint(c.get('ticketRequest')) }),
    async (c) => {
      const result = await client.createTicket(mapTicket(c.get('ticketRequest'), pinned));
      if (!result.ok) {
        const { code, retryAfter } = result.failure;
        return errorResponse(c, code, retryAfter === undefined ? {} : { headers: { 'Retry-After': retryAfter } });
      }
      c.set('ticketId', result.value);
      const created: TicketCreated = { ticketId: result.value };
      return c.json(created, 201);
    },
  );
}

const validateTicket = (policy: TicketPolicy): MiddlewareHandler<RelayEnv> => {
  const validate = createTicketValidator(policy);
  return async (c, next) => {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return errorResponse(c, 'validation', { message: 'The request body is not valid JSON.' });
    }
    const result = validate(body);
    if (!result.ok) return errorResponse(c, 'validation', { message: result.message, fields: result.fields });
    c.set('ticketRequest', result.request);
    await next();
  };
};
