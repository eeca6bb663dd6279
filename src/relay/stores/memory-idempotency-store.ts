/** An in-process idempotency store, for unit tests only: its keys die with the process and no other process sees them. */
import { randomUUID } from 'node:crypto';
import type { IdempotencyStore } from './idempotency-store';
import { DEFAULT_LEASE_MS } from './idempotency-store';
import * as entries from './key-entry';
import type { Change, Clock, KeyEntry } from './key-entry';

export interface MemoryIdempotencyStoreOptions {
  /** How long a completed answer is replayed. */
  ttlMs: number;
  /** How long a lease lasts without renewal. */
  leaseMs?: number;
  now?: () => number;
}

/** Creates a memory store; `size()` counts the entries it holds, expired ones not yet swept included. */
export function createMemoryIdempotencyStore({
  ttlMs,
  leaseMs = DEFAULT_LEASE_MS,
  now = Date.now,
}: MemoryIdempotencyStoreOptions): IdempotencyStore & { size(): number } {
  const map = new Map<string, KeyEntry>();
  const clock = (): Clock => ({ now: now(), leaseMs, ttlMs });

  const sweep = (time: number) => {
    for (const [key, entry] of map) if (entry.expiresAt !== null && entry.expiresAt <= time) map.delete(key);
  };

  // Synchronous from read to write, so atomic within the one process that can see the map.
  const change = async <T>(key: string, transition: (entry: KeyEntry | undefined, clock: Clock) => Change<T>): Promise<T> => {
    const { result, next } = transition(map.get(key), clock());
    if (next === null) map.delete(key);
    else if (next !== undefined) map.set(key, next);
    return result;
  };

  return {
    reserve: (key, fingerprint, options = {}) => {
      sweep(now());
      const request = { fingerprint, holder: randomUUID(), takeUnresolved: options.takeUnresolved ?? false };
      return change(key, (entry, time) => entries.reserve(entry, request, time));
    },
    lookup: async (key) => entries.viewOf(map.get(key), now()),
    renew: (key, holder) => change(key, (entry, time) => entries.renew(entry, holder, time)),
    markSending: (key, holder) => change(key, (entry, time) => entries.markSending(entry, holder, time)),
    complete: (key, holder, response, options = {}) =>
      change(key, (entry, time) => entries.complete(entry, holder, response, time, options)),
    replaceAnswer: (key, response) => change(key, (entry, time) => entries.replaceAnswer(entry, response, time)),
    release: (key, holder, response) => change(key, (entry, time) => entries.release(entry, holder, response, time)),
    markUnresolved: (key, holder) => change(key, (entry, time) => entries.markUnresolved(entry, holder, time)),
    listUnresolved: async (limit) => {
      const time = now();
      return [...map]
        .flatMap(([key, entry]) => entries.unresolvedKey(key, entry, time) ?? [])
        .sort((a, b) => a.since - b.since)
        .slice(0, limit);
    },
    settle: (key, response) => change(key, (entry, time) => entries.settle(entry, response, time)),
    close: async () => {},
    size: () => map.size,
  };
}
