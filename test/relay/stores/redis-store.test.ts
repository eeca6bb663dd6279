/** What only the Redis store has to prove: Redis itself forgets what the store forgot, and never an unresolved key. */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/relay/log';
import { createIdempotencyStore } from '../../../src/relay/stores/create-idempotency-store';
import { createRedisIdempotencyStore } from '../../../src/relay/stores/redis-idempotency-store';
import { useRedis } from '../../support/use-redis';

const redis = useRedis();

describe('redis idempotency store', () => {
  it('lets Redis expire a completed answer a little after its TTL, and keeps an unresolved key', async () => {
    const connection = new Redis(redis().url);
    try {
      const store = createRedisIdempotencyStore({ redis: connection, ttlMs: 120_000, prefix: 'expiry:' });
      for (const key of ['done-key', 'open-key']) {
        const reservation = await store.reserve(key, 'fp');
        if (reservation.status !== 'reserved') throw new Error('not reserved');
        if (key === 'done-key') await store.complete(key, reservation.lease.holder, { status: 201, body: '{}', headers: {} });
        else await store.markUnresolved(key, reservation.lease.holder);
      }
      const ttl = await redis().client.pttl('expiry:key:done-key');
      expect(ttl).toBeGreaterThan(120_000);
      expect(ttl).toBeLessThanOrEqual(180_000);
      expect(await redis().client.pttl('expiry:key:open-key')).toBe(-1);
      expect(await redis().client.zrange('expiry:unresolved', 0, -1)).toEqual(['expiry:key:open-key']);
    } finally {
      await connection.quit();
    }
  });

  it('fails a reservation within a second or two while Redis is unreachable, rather than hanging the request', async () => {
    const lines: string[] = [];
    const store = createIdempotencyStore(
      { ttlSeconds: 60, leaseSeconds: 10, storePath: 'unused', redisUrl: 'redis://:secret-password@127.0.0.1:1' },
      { now: Date.now, log: createLogger({ level: 'debug', write: (line) => lines.push(line) }) },
    );
    try {
      const started = Date.now();
      await expect(store.reserve('k', 'fp')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(lines.join('\n')).toContain('redis unavailable; tickets cannot be sent until it is back');
      expect(lines.join('\n')).not.toContain('secret-password');
    } finally {
      await store.close();
    }
  });
});
