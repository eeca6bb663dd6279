/**
 * The outbox implementations behind one small interface, so that one contract suite runs against
 * both: a table in a temporary SQLite file, and BullMQ on a throwaway redis-server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBullmqOutbox } from '../../../src/relay/outbox/bullmq-outbox';
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
