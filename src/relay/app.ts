/** The relay application: middleware and routes composed on standard Request/Response, with no server attached. */
import { Hono } from 'hono';
import type { RelayConfig } from './config';
import { errorResponse } from './error-response';
import { createFormSource } from './form/form-source';
import { createLogger } from './log';
import type { Logger } from './log';
import { cors } from './middleware/cors';
import { requestLog } from './middleware/request-log';
import type { RelayEnv } from './relay-env';
import { formRoute } from './routes/form';
import { healthzRoute } from './routes/healthz';
import { ticketsRoute } from './routes/tickets';
import type { IdempotencyStore } from './stores/idempotency-store';
import { createMemoryIdempotencyStore } from './stores/memory-idempotency-store';
import { createSocialboardsClient } from './upstream/socialboards-client';

/** What the relay takes from outside; tests replace any of it. */
export interface RelayDeps {
  /** Used for every Socialboards call. */
  fetch?: typeof fetch;
  /** Clock in milliseconds, for token expiry, idempotency and form cache TTLs, and durations. */
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
  const ttlSeconds = config.form.cacheTtlSeconds;
  const form = createFormSource({ config: config.form.config, ttlSeconds, client, now, log });

  const app = new Hono<RelayEnv>();
  app.use(requestLog({ log, now }));
  app.use(cors({ allowedOrigins: config.allowedOrigins }));
  app.route('/', healthzRoute());
  app.route('/', formRoute({ form, ttlSeconds }));
  app.route(
    '/',
    ticketsRoute({ policy: config.policy, pinned: config.pinned, maxBodyBytes: config.maxBodyBytes, client, store, form }),
  );
  app.notFound((c) => errorResponse(c, 'not_found'));
  app.onError((error, c) => {
    log.error('unhandled error', { stack: error instanceof Error ? error.stack : String(error) });
    return errorResponse(c, 'internal');
  });
  return app;
}
