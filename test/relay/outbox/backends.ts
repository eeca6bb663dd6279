/**
 * The outbox implementations behind one small interface, so that one contract suite runs against
 * all: a table in a temporary SQLite file, BullMQ on a throwaway redis-server, and Durable Objects
 * in workerd (through miniflare).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBullmqOutbox } from '../../../src/relay/outbox/bullmq-outbox';
import { createDurableOutbox } from '../../../src/relay/outbox/durable-outbox';
import type { DurableObjectNamespaceLike } from '../../../src/relay/stores/durable-idempotency-store';
import type { Backoff, OutboxStore } from '../../../src/relay/outbox/outbox-store';
import { createSqliteOutbox } from '../../../src/relay/outbox/sqlite-outbox';
import { createLogger } from '../../../src/relay/log';
import type { RunningRedis } from '../../support/redis-server';

export interface OutboxOptions {
  backoff: Backoff;
  leaseMs: number;
  random?: () => number;
}

/** One place entries live; every store opened on it sees the same entries (another process, or a restart). */
export interface OutboxBackend {
  open(options: OutboxOptions): OutboxStore;
  /** Closes every store it opened and removes what it wrote. */
  dispose(): Promise<void>;
}

export interface OutboxBackendKind {
  name: string;
  /** What an attempt takes here beyond the polling, for the timing cases' upper bounds (round trips into another runtime). */
  slackMs?: number;
  create(): Promise<OutboxBackend>;
}

const quiet = createLogger({ level: 'silent' });

export const sqliteOutbox: OutboxBackendKind = {
  name: 'sqlite',
  create: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-outbox-'));
    const opened: OutboxStore[] = [];
    return {
      open: (options) => {
        const store = createSqliteOutbox({ path: join(dir, 'relay.db'), pollMs: 20, ...options });
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

export const bullmqOutbox = (server: () => RunningRedis): OutboxBackendKind => ({
  name: 'bullmq',
  create: async () => {
    const prefix = `test-outbox-${process.pid}-${++prefixes}`;
    const opened: OutboxStore[] = [];
    return {
      open: (options) => {
        const store = createBullmqOutbox({ url: server().url, prefix, log: quiet, ...options });
        opened.push(store);
        return store;
      },
      dispose: async () => {
        await Promise.all(opened.map((store) => store.close()));
      },
    };
  },
});

/**
 * Shards in the tests: two, so that entries are spread and gathered again, but few, because every
 * call here crosses from Node into workerd through miniflare's proxy (measured: 25–100 ms each, and
 * 160–390 ms for a round over 8 shards, on this busy 2-core machine), and a worker polls them all.
 */
const SHARDS = 2;

/**
 * Durable Object shards, called from this process as the Worker calls them. The test's worker
 * delivers (`startWorker`): the shards set no alarm, as their Worker has no relay configured.
 */
export const durableOutbox = (namespace: () => DurableObjectNamespaceLike): OutboxBackendKind => ({
  name: 'durable-object',
  // Four round trips into workerd per attempt (poll, claim, markSending, finish): up to a second
  // when several workerd test files run at once on this machine (measured 1232 ms for a 240 ms gap).
  slackMs: 1000,
  create: async () => {
    const prefix = `test-outbox-${++prefixes}-`;
    const opened: OutboxStore[] = [];
    // Every shard object is created (its table too) before a test's clock starts, as a running
    // relay's are: a first poll over cold objects on this busy machine takes longer than the timing cases allow.
    await createDurableOutbox(namespace(), { pollMs: 20, wake: false, leaseMs: 1000, prefix, shards: SHARDS }).counts();
    return {
      open: (options) => {
        const store = createDurableOutbox(namespace(), { pollMs: 20, wake: false, prefix, shards: SHARDS, ...options });
        opened.push(store);
        return store;
      },
      dispose: async () => {
        await Promise.all(opened.map((store) => store.close()));
      },
    };
  },
});
