/**
 * Runs the relay on Cloudflare Workers: the one file that knows about Worker bindings and Durable
 * Objects. Configuration comes from the Worker's variables and secrets, under the same names as the
 * Node relay's environment variables; idempotency keys live in the `IDEMPOTENCY` Durable Object
 * namespace, queued tickets in the `OUTBOX` one (delivered by its alarms), uploaded files in the
 * `ATTACHMENTS` R2 bucket.
 */
import type { Hono } from 'hono';
import type { Relay, RelayDefaults } from './build-relay';
import { leaseMs } from './attachments/lifecycle';
import { createR2Storage } from './attachments/r2-storage';
import type { R2BucketLike } from './attachments/r2-storage';
import type { AttachmentStorage } from './attachments/storage';
import { sweepOnce } from './attachments/sweep';
import { ConfigError } from './config';
import type { RelayConfig } from './config';
import type { Logger } from './log';
import { createDurableOutbox, outboxShardClass } from './outbox/durable-outbox';
import type { ShardDelivery } from './outbox/durable-outbox';
import type { RelayEnv } from './relay-env';
import { createDurableIdempotencyStore } from './stores/durable-idempotency-store';
import type { DurableObjectNamespaceLike } from './stores/durable-idempotency-store';
// Static, unlike the relay's own modules below: the Durable Object classes are exported from them
// anyway, and they load nothing workerd refuses at start-up.
import { createDurableLimiterFactory } from './limits/durable-rate-limits';
import { createDurableReplayStore } from './spam/durable-replay-store';

export { IdempotencyShard } from './stores/durable-idempotency-store';
export { RateLimitShard } from './limits/durable-rate-limits';
export { ChallengeShard } from './spam/durable-replay-store';

/** The Worker's bindings: the relay's variables as strings, and the Durable Object namespaces. */
export interface WorkerEnv {
  IDEMPOTENCY?: DurableObjectNamespaceLike;
  /** Optional: without it, rate limits count in each isolate alone. */
  RATE_LIMITS?: DurableObjectNamespaceLike;
  /** Optional: the outbox's shards (OutboxShard); without it, a ticket that cannot be sent now is answered as without an outbox. */
  OUTBOX?: DurableObjectNamespaceLike;
  /** Used challenge tokens (ChallengeShard): required when RELAY_CHALLENGE is on, so a token is taken once across isolates. */
  CHALLENGES?: DurableObjectNamespaceLike;
  /** Optional: the R2 bucket for attachments (RELAY_ATTACHMENTS=r2, the default when it is bound). */
  ATTACHMENTS?: R2BucketLike;
  [name: string]: unknown;
}

/** The relay for one set of bindings: an isolate builds it on its first request (or alarm) and keeps it. */
let built: { env: WorkerEnv; relay: Promise<WorkerRelay> } | undefined;

/** The relay, and what the outbox's alarm and the scheduled sweep work with. */
interface WorkerRelay {
  relay: Relay;
  config: RelayConfig;
  log: Logger;
  /** The R2 storage; undefined with attachments off. */
  storage: AttachmentStorage | undefined;
}

const workerRelay = (env: WorkerEnv): Promise<WorkerRelay> => {
  if (built?.env !== env) built = { env, relay: buildWorkerRelay(env) };
  return built.relay;
};

export default {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    return (await workerRelay(env)).relay.app.fetch(request);
  },

  /**
   * A Cron Trigger's run: what a Node relay runs on timers. One pass over unresolved
   * Idempotency-Keys with no outbox entry (a request that died after sending, its ticket not
   * staged), then one of the attachment sweep (orphaned uploads, files past their retention;
   * files of tickets in the outbox are kept).
   */
  async scheduled(_controller: unknown, env: WorkerEnv): Promise<void> {
    const { relay, config, log, storage } = await workerRelay(env);
    const settled = await relay.settleUnresolvedOnce().catch((error: unknown) => {
      log.warn('outbox could not settle unresolved keys', { reason: String(error) });
      return 0;
    });
    if (settled > 0) log.info('unresolved keys settled', { settled });
    if (storage === undefined) return;
    const { outbox } = relay;
    const deleted = await sweepOnce({
      storage,
      lifetimes: config.attachments.lifetimes,
      leaseMs: leaseMs(config.socialboards.timeoutMs),
      now: Date.now,
      log,
      ...(outbox === undefined ? {} : { held: () => outbox.heldFiles() }),
    });
    if (deleted > 0) log.info('attachments swept', { deleted });
  },
};

/**
 * One shard of the outbox (the `OUTBOX` binding). Its alarm delivers the shard's due tickets with
 * the relay this isolate builds from the same bindings, so a queued ticket goes out with no request
 * to carry it.
 */
export const OutboxShard = outboxShardClass<WorkerEnv>(async (env): Promise<ShardDelivery> => {
  const { relay, config, log } = await workerRelay(env);
  return {
    deliver: relay.deliver,
    backoff: config.outbox.backoff,
    leaseMs: config.idempotency.leaseSeconds * 1000,
    concurrency: config.outbox.concurrency,
    log,
  };
});

/** Builds the relay's app from the bindings; a configuration error is thrown (the Worker answers 500 and logs it). */
export async function relayFor(env: WorkerEnv): Promise<Hono<RelayEnv>> {
  return (await workerRelay(env)).relay.app;
}

async function buildWorkerRelay(env: WorkerEnv): Promise<WorkerRelay> {
  // Loaded on the first request, not at start-up: workerd refuses what some dependencies do when
  // their module is evaluated (an AbortController or a timer made at load) in the Worker's global scope.
  // https://developers.cloudflare.com/workers/runtime-apis/handlers/
  const [{ buildRelayOn }, { parseRelayConfig }, { createLogger }] = await Promise.all([import('./build-relay'), import('./config'), import('./log')]);
  const namespace = env.IDEMPOTENCY;
  if (namespace === undefined) throw new ConfigError([{ variable: 'IDEMPOTENCY', reason: 'bind the IdempotencyShard Durable Object class under this name' }]);
  const variables = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  // No disk here: files go to the bucket when one is bound, else attachments are off.
  const config = parseRelayConfig({ RELAY_ATTACHMENTS: env.ATTACHMENTS === undefined ? 'off' : 'r2', ...variables });
  const attachmentStorage = attachmentStorageFor(config, env.ATTACHMENTS);
  // Each isolate alone would take a used token again: a challenge is only single-use across them.
  if (config.spam.challenge !== null && env.CHALLENGES === undefined) {
    throw new ConfigError([{ variable: 'CHALLENGES', reason: 'bind the ChallengeShard Durable Object class under this name when RELAY_CHALLENGE is on' }]);
  }
  const { ttlSeconds, leaseSeconds } = config.idempotency;
  const idempotencyStore = createDurableIdempotencyStore(namespace, { ttlMs: ttlSeconds * 1000, leaseMs: leaseSeconds * 1000 });
  const outbox =
    env.OUTBOX === undefined || !config.outbox.enabled
      ? undefined
      : createDurableOutbox(env.OUTBOX, { backoff: config.outbox.backoff, leaseMs: leaseSeconds * 1000, pollMs: config.outbox.pollMs, wake: true });
  const log = createLogger({ level: config.logLevel });
  const relay = buildRelayOn(workersDefaults, config, {
    log,
    idempotencyStore,
    ...(outbox === undefined ? {} : { outbox }),
    ...(attachmentStorage === undefined ? {} : { attachmentStorage }),
    ...(env.RATE_LIMITS === undefined ? {} : { limiterFactory: createDurableLimiterFactory(env.RATE_LIMITS, { log }) }),
    ...(env.CHALLENGES === undefined ? {} : { replayStore: createDurableReplayStore(env.CHALLENGES) }),
    // Cloudflare sets this header on every request; a client cannot supply its own.
    socketAddress: (c) => c.req.header('CF-Connecting-IP'),
  });
  return { relay, config, log, storage: attachmentStorage };
}

/** The bucket RELAY_ATTACHMENTS=r2 asks for; a Worker has no disk, and the S3 storage stages files on one. */
function attachmentStorageFor(config: RelayConfig, bucket: R2BucketLike | undefined): AttachmentStorage | undefined {
  const { storage, publicUrl } = config.attachments;
  if (storage === 'off') return undefined;
  if (storage !== 'r2') throw new ConfigError([{ variable: 'RELAY_ATTACHMENTS', reason: 'must be r2 or off on Workers' }]);
  if (bucket === undefined) throw new ConfigError([{ variable: 'ATTACHMENTS', reason: 'bind an R2 bucket under this name for RELAY_ATTACHMENTS=r2' }]);
  // Ticket links are `${RELAY_PUBLIC_URL}/files/…`: a Worker has no listening address to fall back on.
  if (publicUrl === undefined) throw new ConfigError([{ variable: 'RELAY_PUBLIC_URL', reason: 'required with attachments on Workers (the address the Worker is reached at)' }]);
  return createR2Storage(bucket);
}

/** The Worker passes every store it has itself, so these are never asked for one. */
const workersDefaults: RelayDefaults = {
  idempotencyStore: () => {
    throw new ConfigError([{ variable: 'IDEMPOTENCY', reason: 'no idempotency store' }]);
  },
  outbox: () => undefined,
  attachmentStorage: () => undefined,
  upstreamFetch: () => globalThis.fetch,
  // A request's code is cancelled when its visitor leaves: an in-process count it raised would stay up.
  countsOpenRequests: false,
};
