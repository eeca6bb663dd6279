/** An in-process idempotency store: right for a single relay process; its keys do not survive a restart. */
import type { IdempotencyStore, Reservation, StoredResponse } from './idempotency-store';

export interface MemoryIdempotencyStoreOptions {
  /** How long a completed answer is replayed. */
  ttlMs: number;
  now?: () => number;
  /** Completed entries beyond this are dropped oldest first, even before their TTL, so memory stays bounded under a flood of keys. */
  maxEntries?: number;
}

interface Entry {
  fingerprint: string;
  /** Set once completed; until then the key is in flight. */
  response?: StoredResponse;
  expiresAt: number;
  outcome: Promise<StoredResponse>;
  settle: (response: StoredResponse) => void;
}

/** Creates a memory store; `size()` is there for tests and metrics. */
export function createMemoryIdempotencyStore({
  ttlMs,
  now = Date.now,
  maxEntries = 100_000,
}: MemoryIdempotencyStoreOptions): IdempotencyStore & { size(): number } {
  // Map keeps insertion order. Completed entries are re-inserted on completion, so among them
  // the oldest completion (the first to expire) always comes first and pruning stops early.
  const entries = new Map<string, Entry>();

  const isDone = (entry: Entry) => entry.response !== undefined;

  const prune = () => {
    const time = now();
    for (const [key, entry] of entries) {
      if (!isDone(entry)) continue; // in flight: its holder will complete or release it
      if (entry.expiresAt > time && entries.size <= maxEntries) break;
      entries.delete(key);
    }
  };

  const reserve = (key: string, fingerprint: string): Reservation => {
    prune();
    const existing = entries.get(key);
    if (existing) {
      if (existing.fingerprint !== fingerprint) return { status: 'conflict' };
      if (existing.response) return { status: 'replay', response: existing.response };
      return { status: 'in_flight', outcome: existing.outcome };
    }
    let settle: (response: StoredResponse) => void = () => {};
    const outcome = new Promise<StoredResponse>((resolve) => {
      settle = resolve;
    });
    entries.set(key, { fingerprint, expiresAt: Number.POSITIVE_INFINITY, outcome, settle });
    prune();
    return { status: 'reserved' };
  };

  const complete = (key: string, response: StoredResponse) => {
    const entry = entries.get(key);
    if (!entry || isDone(entry)) return;
    entries.delete(key);
    entries.set(key, { ...entry, response, expiresAt: now() + ttlMs });
    entry.settle(response);
  };

  const release = (key: string, response: StoredResponse) => {
    const entry = entries.get(key);
    if (!entry || isDone(entry)) return;
    entries.delete(key);
    entry.settle(response);
  };

  return {
    reserve: async (key, fingerprint) => reserve(key, fingerprint),
    complete: async (key, response) => complete(key, response),
    release: async (key, response) => release(key, response),
    size: () => entries.size,
  };
}
