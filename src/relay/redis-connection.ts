/** Connects to REDIS_URL, logging connection errors by code only, and at most once a minute. */
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { Logger } from './log';

export interface RedisConnectionOptions {
  log: Logger;
  /** The warning logged while Redis is down: what it means for this connection's users. */
  whenDown: string;
  /** ioredis options (how commands behave while disconnected). */
  options: RedisOptions;
}

/**
 * Opens a connection. Errors are logged by code, never by message: the URL may hold a password,
 * and a reconnect loop is noisy.
 */
export function connectRedis(url: string, { log, whenDown, options }: RedisConnectionOptions): Redis {
  const redis = new Redis(url, options);
  let lastLogged = 0;
  redis.on('error', (error: NodeJS.ErrnoException) => {
    if (Date.now() - lastLogged < 60_000) return;
    lastLogged = Date.now();
    log.warn(whenDown, { reason: error.code ?? error.name });
  });
  return redis;
}

/**
 * Resolves once `redis` is connected and ready, or after `withinMs` (true: ready). The counters'
 * connection queues nothing while down, so a relay that listened before it was ready would count
 * its first requests in this process alone, apart from every other instance.
 */
export function whenReady(redis: Redis, withinMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), withinMs);
    redis.on('ready', onReady);
  });
}
