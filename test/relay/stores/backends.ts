/**
 * The idempotency store implementations, each behind the same small interface so that one contract
 * suite runs against all: memory, SQLite in a temporary file, Redis on a throwaway redis-server, and
 * Durable Objects in workerd.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createDurableIdempotencyStore } from '../../../src/relay/stores/durable-idempotency-store';
import type { DurableObjectNamespaceLike } from '../../../src/relay/stores/durable-idempotency-store';
import type { IdempotencyStore } from '../../../src/relay/stores/idempotency-store';
import { createMemoryIdempotencyStore } from '../../../src/relay/stores/memory-idempotency-store';
import { createRedisIdempotencyStore } from '../../../src/relay/stores/redis-idempotency-store';
import { createSqliteIdempotencyStore } from '../../../src/relay/stores/sqlite-idempotency-store';
import type { RunningRedis } from '../../support/redis-server';

export interface StoreOptions {
  now: () => number;
  ttlMs: number;
  leaseMs: number;
}

/** One place keys live (a file, a Redis server); every store it opens sees the same keys. */
export interface Backend {
  /** Opens a store on the shared data: a second relay process, or the same one after a restart. */
  open(options: StoreOptions): IdempotencyStore;
  /** Closes every store it opened and removes what it wrote. */
  dispose(): Promise<void>;
}

export interface BackendKind {
  name: string;
  /** Whether two stores opened on it share their keys (a memory store shares nothing). */
  shared: boolean;
  create(): Promise<Backend>;
}

/** The memory store: every `open` is a new, empty store. */
export const memoryBackend: BackendKind = {
  name: 'memory',
  shared: false,
  create: async () => ({
    open: (options) => createMemoryIdempotencyStore(options),
    dispose: async () => {},
  }),
};

/** SQLite: every `open` opens the same temporary file anew. */
export const sqliteBackend: BackendKind = {
  name: 'sqlite',
  shared: true,
  create: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-store-'));
    const opened: IdempotencyStore[] = [];
    return {
      open: (options) => {
        const store = createSqliteIdempotencyStore({ path: join(dir, 'relay.db'), ...options });
        opened.push(store);
        return store;
      },
      dispose: async () => {
        await Promise.all(opened.map((store) => store.close()));
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

let prefixes = 0;

/** Redis: every `open` is a new connection to the same server, under a prefix of this backend's own. */
export const redisBackend = (server: () => RunningRedis): BackendKind => ({
  name: 'redis',
  shared: true,
  create: async () => {
    const prefix = `test-${process.pid}-${++prefixes}:`;
    const connections: Redis[] = [];
    return {
      open: (options) => {
        const redis = new Redis(server().url);
        connections.push(redis);
        return createRedisIdempotencyStore({ redis, prefix, ...options });
      },
      dispose: async () => {
        await Promise.all(connections.map((redis) => redis.quit()));
      },
    };
  },
});

/** Durable Objects in workerd: every `open` is another Worker's view of the same shards, under a prefix of this backend's own. */
export const durableObjectBackend = (namespace: () => DurableObjectNamespaceLike): BackendKind => ({
  name: 'durable object',
  shared: true,
  create: async () => {
    const prefix = `test-${++prefixes}:`;
    // Four shards rather than 32: the contract's keys still spread over several, and listing asks each.
    return { open: (options) => createDurableIdempotencyStore(namespace(), { prefix, shards: 4, ...options }), dispose: async () => {} };
  },
});
