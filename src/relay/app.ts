/** The relay application on Node's stores: SQLite or Redis for keys and the outbox, disk or S3 for files. */
import type { Hono } from 'hono';
import { createStorage } from './attachments/create-storage';
import { buildRelayOn } from './build-relay';
import type { Relay, RelayDefaults, RelayDeps } from './build-relay';
import type { RelayConfig } from './config';
import { createOutbox } from './outbox/create-outbox';
import type { RelayEnv } from './relay-env';
import { createIdempotencyStore } from './stores/create-idempotency-store';
import { createNodeHttpFetch } from './upstream/node-http-fetch';

export type { Relay, RelayDeps } from './build-relay';
export { urlHost } from './build-relay';

/**
 * Redis with REDIS_URL, else the SQLite file RELAY_STORE_PATH; RELAY_ATTACHMENTS's disk or S3 storage;
 * Socialboards over undici's dispatcher (node-http-fetch.ts).
 */
const nodeDefaults: RelayDefaults = {
  idempotencyStore: (config, deps) => createIdempotencyStore({ ...config.idempotency, redisUrl: config.limits.redisUrl }, deps),
  outbox: (config, deps) => createOutbox({ ...config.outbox, ...config.idempotency, redisUrl: config.limits.redisUrl }, deps),
  attachmentStorage: (config) => createStorage(config.attachments),
  upstreamFetch: createNodeHttpFetch,
  countsOpenRequests: true,
};

/**
 * Builds the relay app from a parsed config. Serve it with `startRelay` (Node) or any runtime that
 * calls `app.fetch(request)`.
 */
export function createRelayApp(config: RelayConfig, deps: RelayDeps = {}): Hono<RelayEnv> {
  return buildRelay(config, deps).app;
}

/** Builds the app and its outbox worker from a parsed config (`startRelay` runs both). */
export function buildRelay(config: RelayConfig, deps: RelayDeps = {}): Relay {
  return buildRelayOn(nodeDefaults, config, deps);
}
