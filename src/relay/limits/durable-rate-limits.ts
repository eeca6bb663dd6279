/**
 * The rate limits on Cloudflare Durable Objects, for the relay on Workers: every isolate and
 * location counts together. A key's windows live in one shard object, which handles one request at
 * a time, so taking points from all of them is atomic. Fixed windows that start at a key's first
 * request, as rate-limiter-flexible counts them on Node; over the limit is refused, the points still
 * counted, as its union does.
 */
import type { Logger } from '../log';
import { fail, ok } from '../../shared/result';
import { askShard, shardOf } from '../stores/durable-idempotency-store';
import type { DurableObjectNamespaceLike, DurableObjectStateLike } from '../stores/durable-idempotency-store';
import type { LimiterFactory, RateLimiter } from './rate-limits';

/** One window of one key, as the Worker asks a shard about it. */
interface WindowCall {
  key: string;
  points: number;
  ms: number;
}

type Call = { op: 'consume' | 'refund'; windows: WindowCall[]; points: number; now: number };

/** One shard's counters, in a table of its own SQLite storage. */
export class RateLimitShard {
  readonly #sql: DurableObjectStateLike['storage']['sql'];

  constructor(state: DurableObjectStateLike) {
    this.#sql = state.storage.sql;
    this.#sql.exec('CREATE TABLE IF NOT EXISTS rate_counters (key TEXT PRIMARY KEY, used INTEGER NOT NULL, resets_at INTEGER NOT NULL)');
  }

  async fetch(request: Request): Promise<Response> {
    const call = (await request.json()) as Call;
    this.#sql.exec('DELETE FROM rate_counters WHERE resets_at <= ?', call.now);
    // The longest wait among the windows this request overfilled; null: allowed.
    let waitMs: number | null = null;
    for (const window of call.windows) {
      const [row] = this.#sql.exec('SELECT used, resets_at FROM rate_counters WHERE key = ?', window.key).toArray();
      const resetsAt = row === undefined ? call.now + window.ms : Number(row.resets_at);
      const before = row === undefined ? 0 : Number(row.used);
      if (call.op === 'refund') {
        if (row !== undefined) this.#sql.exec('UPDATE rate_counters SET used = ? WHERE key = ?', Math.max(0, before - call.points), window.key);
        continue;
      }
      const used = before + call.points;
      this.#sql.exec('INSERT OR REPLACE INTO rate_counters (key, used, resets_at) VALUES (?, ?, ?)', window.key, used, resetsAt);
      if (used > window.points) waitMs = Math.max(waitMs ?? 0, resetsAt - call.now);
    }
    return Response.json({ waitMs });
  }
}

export interface DurableLimiterOptions {
  log: Logger;
  now?: () => number;
  /** How many shard objects keys are spread over. */
  shards?: number;
  /** Put before each shard's name: relays with different prefixes share a namespace without sharing counters. */
  prefix?: string;
}

/** Builds limiters whose counters live in the namespace's shards. */
export function createDurableLimiterFactory(
  namespace: DurableObjectNamespaceLike,
  { log, now = Date.now, shards = 32, prefix = '' }: DurableLimiterOptions,
): LimiterFactory {
  return (name, spec): RateLimiter => {
    const call = async (op: Call['op'], key: string, points: number) => {
      const windows = spec.map((window) => ({ key: `${name}:${window.points}/${window.seconds}:${key}`, points: window.points, ms: window.seconds * 1000 }));
      const shard = `${prefix}rate-limits-${shardOf(`${name}:${key}`, shards)}`;
      return (await askShard<{ waitMs: number | null }>(namespace, shard, { op, windows, points, now: now() })).waitMs;
    };
    return {
      async consume(key, points = 1) {
        if (spec.length === 0) return ok(undefined);
        try {
          const waitMs = await call('consume', key, points);
          return waitMs === null ? ok(undefined) : fail({ retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) });
        } catch (error) {
          // As on Node when the store fails: allowed, and said in the log.
          log.error('rate limit store failed; request allowed', { limit: name, reason: error instanceof Error ? error.message : String(error) });
          return ok(undefined);
        }
      },
      async refund(key, points) {
        if (spec.length > 0) await call('refund', key, points).catch(() => undefined);
      },
    };
  };
}
