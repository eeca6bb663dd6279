/**
 * Runs the relay on Cloudflare Workers: the one file that knows about Worker bindings and Durable
 * Objects. Configuration comes from the Worker's variables and secrets, under the same names as the
 * Node relay's environment variables; idempotency keys live in the `IDEMPOTENCY` Durable Object
 * namespace. Attachments and the outbox are not available here yet (README, "Relay on Cloudflare Workers").
 */
import type { Hono } from 'hono';
import type { RelayDefaults } from './build-relay';
import { ConfigError } from './config';
import type { RelayEnv } from './relay-env';
import { createDurableIdempotencyStore } from './stores/durable-idempotency-store';
import type { DurableObjectNamespaceLike } from './stores/durable-idempotency-store';

export { IdempotencyShard } from './stores/durable-idempotency-store';
export { RateLimitShard } from './limits/durable-rate-limits';

/** The Worker's bindings: the relay's variables as strings, and the Durable Object namespaces. */
export interface WorkerEnv {
  IDEMPOTENCY?: DurableObjectNamespaceLike;
  /** Optional: without it, rate limits count in each isolate alone. */
  RATE_LIMITS?: DurableObjectNamespaceLike;
  [name: string]: unknown;
}

/** The app for one set of bindings: an isolate builds it on its first request and keeps it. */
let built: { env: WorkerEnv; app: Promise<Hono<RelayEnv>> } | undefined;

export default {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    if (built?.env !== env) built = { env, app: relayFor(env) };
    return (await built.app).fetch(request);
  },
};

/** Builds the relay from the bindings; a configuration error is thrown (the Worker answers 500 and logs it). */
export async function relayFor(env: WorkerEnv): Promise<Hono<RelayEnv>> {
  // Loaded on the first request, not at start-up: workerd refuses what some dependencies do when
  // their module is evaluated (cockatiel creates an AbortController) in the Worker's global scope.
  // https://developers.cloudflare.com/workers/runtime-apis/handlers/
  const [{ buildRelayOn }, { parseRelayConfig }, { createLogger }, { createDurableLimiterFactory }] = await Promise.all([
    import('./build-relay'),
    import('./config'),
    import('./log'),
    import('./limits/durable-rate-limits'),
  ]);
  const namespace = env.IDEMPOTENCY;
  if (namespace === undefined) throw new ConfigError([{ variable: 'IDEMPOTENCY', reason: 'bind the IdempotencyShard Durable Object class under this name' }]);
  const variables = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  // No disk here: attachments are off unless asked for, and then refused below.
  const config = parseRelayConfig({ RELAY_ATTACHMENTS: 'off', ...variables });
  if (config.attachments.storage !== 'off') throw new ConfigError([{ variable: 'RELAY_ATTACHMENTS', reason: 'only off is supported on Workers so far' }]);
  const { ttlSeconds, leaseSeconds } = config.idempotency;
  const idempotencyStore = createDurableIdempotencyStore(namespace, { ttlMs: ttlSeconds * 1000, leaseMs: leaseSeconds * 1000 });
  const log = createLogger({ level: config.logLevel });
  return buildRelayOn(workersDefaults, config, {
    log,
    idempotencyStore,
    ...(env.RATE_LIMITS === undefined ? {} : { limiterFactory: createDurableLimiterFactory(env.RATE_LIMITS, { log }) }),
    // Cloudflare sets this header on every request; a client cannot supply its own.
    socketAddress: (c) => c.req.header('CF-Connecting-IP'),
  }).app;
}

/** Only the idempotency store exists on Workers so far; it is always passed, so these are never asked for it. */
const workersDefaults: RelayDefaults = {
  idempotencyStore: () => {
    throw new ConfigError([{ variable: 'IDEMPOTENCY', reason: 'no idempotency store' }]);
  },
  outbox: () => undefined,
  attachmentStorage: () => undefined,
  upstreamFetch: () => globalThis.fetch,
};
