/** Assembles the fake Socialboards: token, resource and test endpoints, with logging and faults in front. */
import { Hono } from 'hono';
import { createAccessTokens } from './access-tokens';
import { applyFaults } from './apply-faults';
import { CATEGORIES, CUSTOM_FIELDS } from './definitions';
import { FAKE_ERROR_CODES, failure, success } from './envelope';
import { logRequests } from './request-log';
import type { FakeEnv } from './request-log';
import { requireBearer } from './require-bearer';
import { FakeState } from './state';
import { createListTicketsRoute } from './list-tickets-route';
import { createTestApi } from './test-api';
import { createTicketRoute } from './tickets-route';
import { tokenRoute } from './token-route';

export { FakeState } from './state';
export type { LoggedRequest, StoredTicket } from './state';
export type { FetchedAttachment } from './fetch-attachments';

/** How to build a fake. */
export interface FakeOptions {
  /** The Client ID `/token` accepts. */
  clientId: string;
  /** The one refresh token `/token` accepts. */
  refreshToken: string;
  /** Access token lifetime (exp − nbf); `expires_in` is one second less, as in the docs. Default 3600, at least 2. */
  tokenTtlSeconds?: number;
  /** The clock, in milliseconds since the epoch (default `Date.now`); tokens expire by it. */
  now?: () => number;
  /** Dice for `rate` faults, in [0, 1) (default `Math.random`). */
  random?: () => number;
  /** Fetches tickets' attachment URLs (default the global `fetch`). */
  fetch?: typeof globalThis.fetch;
  /** Time limit for fetching one attachment, redirects included (default 10 000 ms). */
  attachmentTimeoutMs?: number;
}

const TEST_API_PREFIX = '/__fake';

/**
 * Creates a fake Socialboards as a Hono app, with its state. Call `app.request()` in tests, or serve it
 * with `startFakeSocialboards` (server.ts) for real HTTP.
 */
export function createFakeSocialboards(options: FakeOptions): { app: Hono; state: FakeState } {
  const ttlSeconds = options.tokenTtlSeconds ?? 3600;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 2) {
    throw new RangeError(`tokenTtlSeconds must be an integer of at least 2, got ${ttlSeconds}`);
  }
  const now = options.now ?? Date.now;
  const state = new FakeState();
  const tokens = createAccessTokens({ ttlSeconds, now, liveTokens: state.liveTokens });
  const bearer = requireBearer(tokens);

  const app = new Hono();
  // Registered first, so its handlers answer before the Socialboards middleware (log, faults) sees the request.
  app.route(TEST_API_PREFIX, createTestApi(state));
  app.all(`${TEST_API_PREFIX}/*`, (c) => c.json(failure(FAKE_ERROR_CODES.notFound, 'Not found'), 404));

  const socialboards = new Hono<FakeEnv>();
  socialboards.use('*', logRequests(state, now));
  socialboards.use('*', applyFaults(state, options.random ?? Math.random));
  socialboards.post(
    '/token',
    tokenRoute({ clientId: options.clientId, refreshToken: options.refreshToken, ttlSeconds, tokens }),
  );
  socialboards.post(
    '/tickets',
    bearer,
    createTicketRoute(state, now, { fetch: options.fetch ?? globalThis.fetch, timeoutMs: options.attachmentTimeoutMs ?? 10_000 }),
  );
  socialboards.post('/tickets/list', bearer, createListTicketsRoute(state, CATEGORIES));
  // The paths of the custom field and category lists are OUR CHOICE: the docs' pages for
  // "Get Full Community Custom Field List" and "... Category List" could not be read (docs/socialboards-api.md §7).
  socialboards.get('/customfields', bearer, (c) => c.json(success(CUSTOM_FIELDS)));
  socialboards.get('/categories', bearer, (c) => c.json(success(CATEGORIES)));
  socialboards.all('*', (c) => c.json(failure(FAKE_ERROR_CODES.notFound, 'Not found'), 404));

  app.route('/', socialboards);
  app.onError((error, c) => {
    console.error('fake-socialboards:', error);
    return c.json(failure(FAKE_ERROR_CODES.injectedFault, 'Internal error'), 500);
  });
  return { app, state };
}
