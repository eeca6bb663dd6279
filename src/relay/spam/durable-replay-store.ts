/**
 * Single use of challenge tokens on Cloudflare Durable Objects, for the relay on Workers: the
 * contract of replay-store.ts, with every isolate and location claiming in the same shard object.
 * A shard runs one request at a time, so a claim (look, then take) is atomic. Like the Redis store,
 * a shard that cannot be reached throws, and the request is answered as the provider being
 * unavailable.
 */
import { askShard, shardOf } from '../stores/durable-idempotency-store';
import type { DurableObjectNamespaceLike, DurableObjectStateLike } from '../stores/durable-idempotency-store';
import { seconds, tokenHash } from './replay-store';
import type { ReplayStore } from './replay-store';

/** One question to a shard: `claim` takes the token when it is free; `heldBy` only looks. */
interface Call {
  op: 'claim' | 'heldBy';
  /** The token's hash (tokenHash). */
  key: string;
  owner: string;
  /** Until when a claim holds (milliseconds). */
  until: number;
  now: number;
}

/** One shard's claimed tokens, in a table of its own SQLite storage; expired ones are dropped as it goes. */
export class ChallengeShard {
  readonly #sql: DurableObjectStateLike['storage']['sql'];

  constructor(state: DurableObjectStateLike) {
    this.#sql = state.storage.sql;
    this.#sql.exec('CREATE TABLE IF NOT EXISTS used_tokens (key TEXT PRIMARY KEY, owner TEXT NOT NULL, until INTEGER NOT NULL)');
  }

  async fetch(request: Request): Promise<Response> {
    const { op, key, owner, until, now } = (await request.json()) as Call;
    this.#sql.exec('DELETE FROM used_tokens WHERE until <= ?', now);
    const [row] = this.#sql.exec('SELECT owner FROM used_tokens WHERE key = ?', key).toArray();
    if (row !== undefined) return Response.json({ mine: row.owner === owner });
    if (op === 'claim') this.#sql.exec('INSERT INTO used_tokens (key, owner, until) VALUES (?, ?, ?)', key, owner, until);
    return Response.json({ mine: op === 'claim' });
  }
}

export interface DurableReplayStoreOptions {
  now?: () => number;
  /** How many shard objects tokens are spread over. */
  shards?: number;
  /** Put before each shard's name: relays with different prefixes share a namespace without sharing tokens. */
  prefix?: string;
}

/** The used-token store over the namespace's shards (the `CHALLENGES` binding). */
export function createDurableReplayStore(namespace: DurableObjectNamespaceLike, { now = Date.now, shards = 32, prefix = '' }: DurableReplayStoreOptions = {}): ReplayStore {
  const ask = async (op: Call['op'], token: string, owner: string, expiresInSeconds: number): Promise<boolean> => {
    const key = tokenHash(token);
    const call: Call = { op, key, owner, until: now() + seconds(expiresInSeconds) * 1000, now: now() };
    return (await askShard<{ mine: boolean }>(namespace, `${prefix}challenges-${shardOf(key, shards)}`, call)).mine;
  };
  return {
    claim: (token, owner, expiresInSeconds) => ask('claim', token, owner, expiresInSeconds),
    heldBy: (token, owner) => ask('heldBy', token, owner, 0),
  };
}
