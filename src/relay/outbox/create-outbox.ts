/** Opens the outbox in the idempotency store's place: BullMQ on Redis with REDIS_URL, else a table in the SQLite file RELAY_STORE_PATH. */
import type { Logger } from '../log';
import { createBullmqOutbox } from './bullmq-outbox';
import type { Backoff, OutboxStore } from './outbox-store';
import { createSqliteOutbox } from './sqlite-outbox';

export interface OutboxSettings {
  backoff: Backoff;
  pollMs: number;
  /** How long a worker's claim on an entry outlives its last renewal (RELAY_IDEMPOTENCY_LEASE_SECONDS). */
  leaseSeconds: number;
  storePath: string;
  /** REDIS_URL, or null. */
  redisUrl: string | null;
}

/** Opens the outbox; its `close()` closes what was opened here. */
export function createOutbox(settings: OutboxSettings, deps: { now: () => number; log: Logger }): OutboxStore {
  const { backoff, pollMs, storePath, redisUrl } = settings;
  const leaseMs = settings.leaseSeconds * 1000;
  if (redisUrl === null) return createSqliteOutbox({ path: storePath, backoff, leaseMs, pollMs, now: deps.now });
  return createBullmqOutbox({ url: redisUrl, backoff, leaseMs, now: deps.now, log: deps.log });
}
