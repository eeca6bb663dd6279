/** Opens the idempotency store the configuration names: Redis with REDIS_URL, else the SQLite file RELAY_STORE_PATH. */
import type { Logger } from '../log';
import { connectRedis } from '../redis-connection';
import type { IdempotencyStore } from './idempotency-store';
import { createRedisIdempotencyStore } from './redis-idempotency-store';
import { createSqliteIdempotencyStore } from './sqlite-idempotency-store';

export interface StoreSettings {
  ttlSeconds: number;
  /** How long a holder's claim outlives its last renewal (a crashed relay's keys are taken over after it). */
  leaseSeconds: number;
  storePath: string;
  /** REDIS_URL, or null. */
  redisUrl: string | null;
}

/**
 * Opens the store; its `close()` also closes the connection or file opened here. Redis commands
 * wait for a reconnect briefly and then fail (the request is answered `internal` and the widget
 * retries): unlike the rate limits, keys cannot fall back to this process without losing
 * exactly-once across instances.
 */
export function createIdempotencyStore(settings: StoreSettings, deps: { now: () => number; log: Logger }): IdempotencyStore {
  const times = { ttlMs: settings.ttlSeconds * 1000, leaseMs: settings.leaseSeconds * 1000, now: deps.now };
  if (settings.redisUrl === null) return createSqliteIdempotencyStore({ path: settings.storePath, ...times });
  const redis = connectRedis(settings.redisUrl, {
    log: deps.log,
    whenDown: 'redis unavailable; tickets cannot be sent until it is back (idempotency keys live there)',
    options: { maxRetriesPerRequest: 3 },
  });
  const store = createRedisIdempotencyStore({ redis, ...times });
  return {
    ...store,
    close: async () => {
      await store.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
