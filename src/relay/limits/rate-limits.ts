/**
 * The relay's rate limits, on rate-limiter-flexible: counted in this process by default, in Redis
 * when REDIS_URL is set (so every relay instance counts together), each window a limiter and the
 * windows of one limit a union that refuses when any window is full.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RateLimiterUnion } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../log';
import type { RateSpec } from './limits-config';
import { fail, ok } from '../../shared/result';
import type { Result } from '../../shared/result';

/** The answer to "may this one go ahead?": yes, or no and for how long. */
export type Allowance = Result<void, { retryAfterSeconds: number }>;

export interface RateLimiter {
  /** Takes `points` (default 1) from `key`'s allowance in every window, or says when to come back. */
  consume(key: string, points?: number): Promise<Allowance>;
  /** Gives `points` back (an upload that stored less than it reserved). */
  refund(key: string, points: number): Promise<void>;
}

export interface LimiterFactoryOptions {
  /** Counters shared by every relay instance; none: this process only. */
  redis?: Redis | undefined;
  log: Logger;
}

/** Makes the limiter for one limit: its name (the counters' prefix) and its windows. */
export type LimiterFactory = (name: string, spec: RateSpec) => RateLimiter;

/** Builds limiters that share one counter store. */
export function createLimiterFactory({ redis, log }: LimiterFactoryOptions): LimiterFactory {
  const limiterFor = (name: string, { points, seconds }: { points: number; seconds: number }): RateLimiterAbstract => {
    const options = { keyPrefix: `sbrelay:${name}:${points}/${seconds}`, points, duration: seconds };
    if (redis === undefined) return new RateLimiterMemory(options);
    // While Redis is unreachable, each instance counts alone rather than letting everything through
    // or refusing everyone.
    return new RateLimiterRedis({ ...options, storeClient: redis, rejectIfRedisNotReady: true, insuranceLimiter: new RateLimiterMemory(options) });
  };
  return (name, spec) => {
    if (spec.length === 0) return { consume: () => Promise.resolve(ok(undefined)), refund: () => Promise.resolve() };
    const limiters = spec.map((window) => limiterFor(name, window));
    const union = new RateLimiterUnion(...limiters);
    return {
      async consume(key, points = 1) {
        try {
          await union.consume(key, points);
          return ok(undefined);
        } catch (refusal) {
          const waits = Object.values(refusal as Record<string, unknown>)
            .filter((value): value is RateLimiterRes => value instanceof RateLimiterRes)
            .map((res) => res.msBeforeNext);
          if (waits.length === 0) {
            // Not a refusal but a failure of the store itself (the insurance limiter failed too).
            log.error('rate limit store failed; request allowed', { limit: name, reason: describe(refusal) });
            return ok(undefined);
          }
          return fail({ retryAfterSeconds: Math.max(1, Math.ceil(Math.max(...waits) / 1000)) });
        }
      },
      async refund(key, points) {
        await Promise.all(limiters.map((limiter) => limiter.reward(key, points).catch(() => undefined)));
      },
    };
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return Object.values(error as Record<string, unknown>)
    .map((value) => (value instanceof Error ? value.message : String(value)))
    .join('; ');
}
