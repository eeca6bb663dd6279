/**
 * Single use of challenge tokens: a token belongs to the first submission (Idempotency-Key) that
 * used it, until it would have expired anyway. The same submission may present it again (a retry
 * after Socialboards failed, or after a limit refused it): it was verified then, and the provider
 * would refuse to verify it twice. Any other submission is refused.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface ReplayStore {
  /** Claims `token` for `owner`: true when it was free (or already `owner`'s), false when another owner holds it. */
  claim(token: string, owner: string, expiresInSeconds: number): Promise<boolean>;
  /** Whether `owner` already holds `token`: its retry needs no second verification. */
  heldBy(token: string, owner: string): Promise<boolean>;
}

export interface ReplayStoreOptions {
  /** Shares the store between relay instances; in memory (one process) without it. */
  redis?: Redis;
  /** Clock in milliseconds (memory store). */
  now?: () => number;
}

/** What every store keeps of a token: its SHA-256, never the token itself. */
export const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url');

/** How long a claim is kept: the token's remaining lifetime, in whole seconds, at least one. */
export const seconds = (expiresInSeconds: number) => Math.max(1, Math.ceil(expiresInSeconds));

/**
 * Keys are SHA-256 hashes, so the store (and Redis) never holds a usable token; each lives for the
 * token's remaining lifetime (at least a second), so memory is bounded by the tokens of one lifetime.
 * With Redis, a claim is one atomic `SET NX EX`; a store that cannot be reached throws, and the
 * request is answered as the provider being unavailable.
 */
export function createReplayStore({ redis, now = Date.now }: ReplayStoreOptions = {}): ReplayStore {
  const keyOf = (token: string) => `sbrelay:challenge-used:${tokenHash(token)}`;
  if (redis !== undefined) {
    return {
      async claim(token, owner, expiresInSeconds) {
        const key = keyOf(token);
        if ((await redis.set(key, owner, 'EX', seconds(expiresInSeconds), 'NX')) === 'OK') return true;
        return (await redis.get(key)) === owner;
      },
      heldBy: async (token, owner) => (await redis.get(keyOf(token))) === owner,
    };
  }
  // In the order they were claimed; entries are dropped once expired, from the oldest on.
  const held = new Map<string, { owner: string; until: number }>();
  const current = (key: string) => {
    for (const [oldest, { until }] of held) {
      if (until > now()) break;
      held.delete(oldest);
    }
    const entry = held.get(key);
    return entry !== undefined && entry.until > now() ? entry : undefined;
  };
  return {
    async claim(token, owner, expiresInSeconds) {
      const key = keyOf(token);
      const entry = current(key);
      if (entry !== undefined) return entry.owner === owner;
      held.set(key, { owner, until: now() + seconds(expiresInSeconds) * 1000 });
      return true;
    },
    heldBy: async (token, owner) => current(keyOf(token))?.owner === owner,
  };
}
