/** Single use of challenge tokens: a token seen once is refused until it would have expired anyway. */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface ReplayStore {
  /** True the first time a token is used; false for every later use before `expiresInSeconds` has passed. */
  firstUse(token: string, expiresInSeconds: number): Promise<boolean>;
}

export interface ReplayStoreOptions {
  /** Shares the store between relay instances; in memory (one process) without it. */
  redis?: Redis;
}

/**
 * One point per token: the first use consumes it, and the key lives for the token's remaining
 * lifetime, so memory is bounded by the tokens issued in one lifetime. Keys are SHA-256 hashes, so
 * the store (and Redis) never holds a usable token.
 */
export function createReplayStore({ redis }: ReplayStoreOptions = {}): ReplayStore {
  const options = { keyPrefix: 'sbrelay:challenge-used', points: 1, duration: 1 };
  const limiter = redis === undefined ? new RateLimiterMemory(options) : new RateLimiterRedis({ ...options, storeClient: redis });
  return {
    async firstUse(token, expiresInSeconds) {
      const key = await sha256(token);
      try {
        await limiter.consume(key, 1, { customDuration: Math.max(1, Math.ceil(expiresInSeconds)) });
        return true;
      } catch (error) {
        // The limiter rejects with a RateLimiterRes when the point is spent; anything else is a store failure.
        if (error instanceof RateLimiterRes) return false;
        throw error;
      }
    },
  };
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Buffer.from(digest).toString('base64url');
}
