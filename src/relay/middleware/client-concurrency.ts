/** Per-client concurrency: one client cannot hold more than a few requests open at once in this process. */
import type { MiddlewareHandler } from 'hono';
import type { RelayEnv } from '../relay-env';
import { rateLimited } from './rate-limit';

/** What a client over its cap is told to wait: its other requests usually finish within seconds. */
const RETRY_AFTER_SECONDS = 2;

/**
 * Counts the requests each client has in flight (head read, answer not yet finished) and refuses
 * the one past `max` with 429. This is what stops a few addresses from holding hundreds of slow
 * uploads open; it counts per process, which is where connections live.
 */
export const clientConcurrency = ({ max }: { max: number }): MiddlewareHandler<RelayEnv> => {
  const inFlight = new Map<string, number>();
  return async (c, next) => {
    const { key } = c.get('client');
    const count = inFlight.get(key) ?? 0;
    if (count >= max) {
      return rateLimited(c, RETRY_AFTER_SECONDS, 'Too many requests from your address are still open; try again in a moment.');
    }
    inFlight.set(key, count + 1);
    try {
      await next();
    } finally {
      const left = (inFlight.get(key) ?? 1) - 1;
      if (left === 0) inFlight.delete(key);
      else inFlight.set(key, left);
    }
  };
};
