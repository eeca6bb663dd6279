/** The relay application: middleware and routes composed on standard Request/Response, with no server attached. */
import { Hono } from 'hono';
import type { RelayConfig } from './config';
import { errorResponse } from './error-response';
import { createLogger } from './log';
import type { Logger } from './log';
import { cors } from './middleware/cors';
import { requestLog } from './middleware/request-log';
import type { RelayEnv } from './relay-env';
import { healthzRoute } from './routes/healthz';
import { ticketsRoute } from './routes/tickets';
import type { IdempotencyStore } from './stores/idempotency-store';
import { createMemoryIdempotencyStore } from './stores/memory-idempotency-store';
import { createSocialboardsClient } from './upstream/socialboards-client';

/** What the relay takes from outside; tests replace any of it. */
export interface RelayDeps {
  /** Used for every Socialboards call. */
  fetch?: typeof fetch;
  /** Clock in milliseconds, for token expiry, idempotency TTL and durations. */
  now?: () => number;
  log?: Logger;
  /** Defaults to an in-memory store with the configured TTL. */
  idempotencyStore?: IdempotencyStore;
}

/**
 * Builds the relay app from a parsed config. Serve it with `startRelay` (Node) or any runtime that
 * calls `app.fetch(request)`.
 */
export function createRelayApp(config: RelayConfig, deps: RelayDeps = {}): Hono<RelayEnv> {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? createLogger({ level: config.logLevel, now });
  const client = createSocialboardsClient(config.socialboards, { fetch: deps.fetch ?? globalThis.fetch, now, log });
  const store =
    deps.idempotencyStore ?? createMemoryIdempotencyStore({ ttlMs: config.idempotencyTtlSeconds * 1000, now });

  const app = new Hono<RelayEnv>();
  app.use(requestLog({ log, now }));
  app.use(cors({ allowedOrigins: config.allowedOrigins }));
  app.route('/', healthzRoute());
  app.route(
    '/',
    ticketsRoute({ policy: config.policy, pinned: config.pinned, maxBodyBytes: config.maxBodyBytes, client, store }),
  );
  app.notFound((c) => errorResponse(c, 'not_found'));
  app.onError((error, c) => {
    log.error('unhandled error', { stack: error instanceof Error ? error.stack : String(error) });
    return errorResponse(c, 'internal');
  });
  return app;
}
