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
    const limiter: RateLimiter = {
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
        await Promise.all(limiters.map((window) => window.reward(key, points).catch(() => undefined)));
      },
    };
    if (redis !== undefined) countedInRedis.set(limiter, { redis, windows: limiters.map((window) => ({ prefix: window.keyPrefix, points: window.points, seconds: window.duration })) });
    return limiter;
  };
}

/** A limiter's windows as it counts them in Redis: rate-limiter-flexible's counters, `${prefix}:${key}`. */
interface RedisWindows {
  redis: Redis;
  windows: readonly { prefix: string; points: number; seconds: number }[];
}

/** The limiters `createLimiterFactory` made on Redis, for `consumeInTurn` to count in one script. */
const countedInRedis = new WeakMap<RateLimiter, RedisWindows>();

/** One limit of a request, and the key it counts this request under. */
export interface LimitStep {
  limiter: RateLimiter;
  key: string;
}

/**
 * Takes a point from each step's limiter in turn, from a step only if every one before it allowed
 * the request; the first refusal answers. When every step counts in the same Redis, and it is
 * connected, that is one script: one round trip instead of one per step, and atomic as each step
 * was. It counts in rate-limiter-flexible's own counters, as its script does (a counter set to
 * expire with its window, incremented), so `consume` and `refund` keep working on them. Otherwise
 * (in memory, on Workers, Redis not ready or the script failing) the steps run one after another,
 * each with its own way of coping with a failing store.
 */
export async function consumeInTurn(steps: readonly LimitStep[]): Promise<Allowance> {
  const inRedis = steps.map(({ limiter }) => countedInRedis.get(limiter));
  const redis = inRedis[0]?.redis;
  if (steps.length > 1 && redis?.status === 'ready' && inRedis.every((counted) => counted?.redis === redis)) {
    const waitMs = await consumeInScript(redis, steps, inRedis as RedisWindows[]).catch(() => undefined);
    if (waitMs === null) return ok(undefined);
    if (waitMs !== undefined) return fail({ retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) });
  }
  for (const { limiter, key } of steps) {
    const allowance = await limiter.consume(key);
    if (!allowance.ok) return allowance;
  }
  return ok(undefined);
}

/**
 * rate-limiter-flexible's counting script (lib/RateLimiterRedis.js, `incrTtlLuaScript`) over every
 * window of every step, stopping after the first step that has a window over its limit; as its
 * union does, that step's other windows still count the point. KEYS: the counters, step by step.
 * ARGV: the points, the number of steps, each step's number of windows, then each window's limit
 * and seconds. Returns the longest wait of the refusing step in ms, or -1.
 */
const CONSUME_IN_TURN = `
local points = tonumber(ARGV[1])
local steps = tonumber(ARGV[2])
local k = 1
local a = 3 + steps
for s = 1, steps do
  local wait = -1
  for w = 1, tonumber(ARGV[2 + s]) do
    local limit = tonumber(ARGV[a])
    local seconds = tonumber(ARGV[a + 1])
    a = a + 2
    redis.call('set', KEYS[k], 0, 'EX', seconds, 'NX')
    local consumed = redis.call('incrby', KEYS[k], points)
    local ttl = redis.call('pttl', KEYS[k])
    if ttl == -1 then
      redis.call('expire', KEYS[k], seconds)
      ttl = 1000 * seconds
    end
    if consumed > limit and ttl > wait then wait = ttl end
    k = k + 1
  end
  if wait >= 0 then return wait end
end
return -1
`;

/** `CONSUME_IN_TURN` as an ioredis command: EVALSHA, and EVAL when Redis does not know the script yet. */
type WithConsumeInTurn = Redis & { sbrelayConsumeInTurn(...keysAndArgs: (string | number)[]): Promise<number> };

/** The longest wait in ms when a step refused, null when every step allowed the request. */
async function consumeInScript(redis: Redis, steps: readonly LimitStep[], inRedis: readonly RedisWindows[]): Promise<number | null> {
  const command = redis as WithConsumeInTurn;
  if (typeof command.sbrelayConsumeInTurn !== 'function') redis.defineCommand('sbrelayConsumeInTurn', { lua: CONSUME_IN_TURN });
  const keys = steps.flatMap(({ key }, i) => inRedis[i]!.windows.map(({ prefix }) => `${prefix}:${key}`));
  const args = [1, steps.length, ...inRedis.map(({ windows }) => windows.length), ...inRedis.flatMap(({ windows }) => windows.flatMap(({ points, seconds }) => [points, seconds]))];
  const wait = await command.sbrelayConsumeInTurn(keys.length, ...keys, ...args);
  return wait < 0 ? null : wait;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return Object.values(error as Record<string, unknown>)
    .map((value) => (value instanceof Error ? value.message : String(value)))
    .join('; ');
}
