/**
 * The idempotency store on Cloudflare Durable Objects: keys are spread over a fixed number of shard
 * objects, and each shard runs the same state machine as the SQLite store (`key-entry.ts`) on its
 * own SQLite storage. A Durable Object handles one request at a time and its SQL calls are
 * synchronous, so a read, its transition and its write are atomic: per key, strongly consistent.
 */
import type { IdempotencyStore, StoredResponse } from './idempotency-store';
import * as entries from './key-entry';
import type { Change, Clock, KeyEntry } from './key-entry';

/** The part of a Durable Object's SQL storage the relay's shard objects use (`ctx.storage.sql`). */
export interface SqlStorage {
  exec(query: string, ...bindings: (string | number | null)[]): { toArray(): Record<string, string | number | null>[]; rowsWritten: number };
}

/** The part of a Durable Object's state this store uses. */
export interface DurableObjectStateLike {
  storage: { sql: SqlStorage };
}

/** The part of a Durable Object namespace binding this store uses. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: never): { fetch(url: string, init: { method: 'POST'; body: string }): Promise<Response> };
}

/** What the Worker asks a shard: one contract method, with its arguments as JSON. */
type Call =
  | { op: 'reserve'; key: string; fingerprint: string; takeUnresolved: boolean }
  | { op: 'lookup'; key: string }
  | { op: 'renew' | 'markSending' | 'markUnresolved'; key: string; holder: string }
  | { op: 'complete'; key: string; holder: string; response: StoredResponse; keep: boolean }
  | { op: 'release'; key: string; holder: string; response: StoredResponse }
  | { op: 'replaceAnswer' | 'settle'; key: string; response: StoredResponse }
  | { op: 'listUnresolved'; limit: number };

/** How long answers and leases last (parsed once by the Worker from its config), sent with every call. */
export interface DurableStoreOptions {
  ttlMs: number;
  leaseMs: number;
  /** The caller's clock, sent with every call as the Redis store sends it to its scripts. */
  now?: () => number;
  /** How many shard objects keys are spread over. */
  shards?: number;
  /** Put before each shard's name: relays with different prefixes share a namespace without sharing keys. */
  prefix?: string;
}

/**
 * One shard's keys, in a table of its own SQLite storage. Exported for the Worker's entry module,
 * which exports it under the class name its binding names.
 */
export class IdempotencyShard {
  readonly #sql: SqlStorage;

  constructor(state: DurableObjectStateLike) {
    this.#sql = state.storage.sql;
    this.#sql.exec(
      `CREATE TABLE IF NOT EXISTS idempotency_keys (
        key TEXT PRIMARY KEY, entry TEXT NOT NULL, expires_at INTEGER, maybe_unresolved INTEGER NOT NULL)`,
    );
    this.#sql.exec('CREATE INDEX IF NOT EXISTS idempotency_keys_expiry ON idempotency_keys (expires_at)');
  }

  async fetch(request: Request): Promise<Response> {
    const { call, clock } = (await request.json()) as { call: Call; clock: Clock };
    return Response.json({ result: this.#run(call, clock) });
  }

  #run(call: Call, clock: Clock): unknown {
    switch (call.op) {
      case 'reserve':
        this.#sql.exec('DELETE FROM idempotency_keys WHERE expires_at IS NOT NULL AND expires_at <= ?', clock.now);
        return this.#change(call.key, (entry) =>
          entries.reserve(entry, { fingerprint: call.fingerprint, holder: crypto.randomUUID(), takeUnresolved: call.takeUnresolved }, clock),
        );
      case 'lookup':
        return entries.viewOf(this.#read(call.key), clock.now) ?? null;
      case 'renew':
        return this.#change(call.key, (entry) => entries.renew(entry, call.holder, clock));
      case 'markSending':
        return this.#change(call.key, (entry) => entries.markSending(entry, call.holder, clock));
      case 'markUnresolved':
        return this.#change(call.key, (entry) => entries.markUnresolved(entry, call.holder, clock));
      case 'complete':
        return this.#change(call.key, (entry) => entries.complete(entry, call.holder, call.response, clock, { keep: call.keep }));
      case 'release':
        return this.#change(call.key, (entry) => entries.release(entry, call.holder, call.response, clock));
      case 'replaceAnswer':
        return this.#change(call.key, (entry) => entries.replaceAnswer(entry, call.response, clock));
      case 'settle':
        return this.#change(call.key, (entry) => entries.settle(entry, call.response, clock));
      case 'listUnresolved':
        // Unresolved keys, and held keys that were sent (they turn unresolved when their lease lapses).
        return this.#sql
          .exec('SELECT key, entry FROM idempotency_keys WHERE maybe_unresolved = 1')
          .toArray()
          .flatMap((row) => entries.unresolvedKey(String(row.key), JSON.parse(String(row.entry)) as KeyEntry, clock.now) ?? [])
          .sort((a, b) => a.since - b.since)
          .slice(0, call.limit);
    }
  }

  #read(key: string): KeyEntry | undefined {
    const [row] = this.#sql.exec('SELECT entry FROM idempotency_keys WHERE key = ?', key).toArray();
    return row === undefined ? undefined : (JSON.parse(String(row.entry)) as KeyEntry);
  }

  #change<T>(key: string, transition: (entry: KeyEntry | undefined) => Change<T>): T {
    const { result, next } = transition(this.#read(key));
    if (next === null) this.#sql.exec('DELETE FROM idempotency_keys WHERE key = ?', key);
    else if (next !== undefined) {
      this.#sql.exec(
        'INSERT OR REPLACE INTO idempotency_keys (key, entry, expires_at, maybe_unresolved) VALUES (?, ?, ?, ?)',
        key,
        JSON.stringify(next),
        next.expiresAt,
        next.state === 'unresolved' || (next.state === 'held' && next.sent) ? 1 : 0,
      );
    }
    return result;
  }
}

/** How many shard objects keys are spread over: each handles its requests one at a time. */
export const DEFAULT_SHARDS = 32;

/** The store as the Worker sees it: each call goes to the shard that owns the key. */
export function createDurableIdempotencyStore(
  namespace: DurableObjectNamespaceLike,
  { ttlMs, leaseMs, now = Date.now, shards = DEFAULT_SHARDS, prefix = '' }: DurableStoreOptions,
): IdempotencyStore {
  const callShard = async <T>(shard: number, call: Call): Promise<T> =>
    (await askShard<{ result: T }>(namespace, `${prefix}idempotency-${shard}`, { call, clock: { now: now(), ttlMs, leaseMs } })).result;
  const call = <T>(request: Call & { key: string }) => callShard<T>(shardOf(request.key, shards), request);
  return {
    reserve: (key, fingerprint, options = {}) => call({ op: 'reserve', key, fingerprint, takeUnresolved: options.takeUnresolved ?? false }),
    lookup: async (key) => (await call<ReturnType<typeof entries.viewOf> | null>({ op: 'lookup', key })) ?? undefined,
    renew: (key, holder) => call({ op: 'renew', key, holder }),
    markSending: (key, holder) => call({ op: 'markSending', key, holder }),
    complete: (key, holder, response, options = {}) => call({ op: 'complete', key, holder, response, keep: options.keep ?? false }),
    replaceAnswer: (key, response) => call({ op: 'replaceAnswer', key, response }),
    release: (key, holder, response) => call({ op: 'release', key, holder, response }),
    markUnresolved: (key, holder) => call({ op: 'markUnresolved', key, holder }),
    listUnresolved: async (limit) => {
      const lists = await Promise.all(
        Array.from({ length: shards }, (_, shard) => callShard<Awaited<ReturnType<IdempotencyStore['listUnresolved']>>>(shard, { op: 'listUnresolved', limit })),
      );
      return lists
        .flat()
        .sort((a, b) => a.since - b.since)
        .slice(0, limit);
    },
    settle: (key, response) => call({ op: 'settle', key, response }),
    close: async () => {},
  };
}

/**
 * Sends `body` as JSON to the shard object named `name` (idempotency keys, rate limits, the
 * outbox, used challenge tokens) and returns its JSON answer; an error status throws.
 */
export async function askShard<T>(namespace: DurableObjectNamespaceLike, name: string, body: unknown): Promise<T> {
  const response = await namespace.get(namespace.idFromName(name) as never).fetch('https://shard.internal/', { method: 'POST', body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`shard ${name} answered ${response.status}`);
  return (await response.json()) as T;
}

/** The shard that owns `key`: FNV-1a over its UTF-16 code units, so every Worker instance agrees. */
export function shardOf(key: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shards;
}
