/**
 * What only the Redis outbox has to prove (the contract suite covers what every outbox does): its
 * staged copies live beside BullMQ's queue, and a worker's sweep turns the ones whose hold is over
 * into jobs, whatever state a dead relay or a racing sweep left them in; and its worker stops while
 * Redis is down.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CreateTicketBody } from '../../../src/shared/create-ticket';
import { createBullmqOutbox, STAGED_SCRIPTS } from '../../../src/relay/outbox/bullmq-outbox';
import type { Deliver, OutboxStore, OutboxWorker, StagedTicket } from '../../../src/relay/outbox/outbox-store';
import { referenceOf } from '../../../src/relay/outbox/outbox-store';
import { createLogger } from '../../../src/relay/log';
import { useRedis } from '../../support/use-redis';

const redis = useRedis();
const BODY = { title: 'Printer on fire', message: 'Again.', isHtml: false } as unknown as CreateTicketBody;
const staged = (key: string): StagedTicket => ({ key, fingerprint: `fp-${key}`, body: BODY, redact: [], files: [] });

let prefix: string;
let outbox: OutboxStore;
let lines: Record<string, unknown>[];
const workers: OutboxWorker[] = [];
let runs = 0;

beforeEach(() => {
  prefix = `test-staged-${process.pid}-${++runs}`;
  lines = [];
  const log = createLogger({ level: 'info', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  outbox = createBullmqOutbox({ url: redis().url, prefix, leaseMs: 600, backoff: { maxAttempts: 3, baseMs: 50, maxMs: 100, lookupDelayMs: 0 }, log });
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  await outbox.close();
});

/** Delivers everything, recording each attempt's key. */
const recorder = () => {
  const delivered: string[] = [];
  const deliver: Deliver = async ({ entry, markSending }) => {
    expect(await markSending()).toBe(true);
    delivered.push(entry.key);
    return { outcome: 'delivered', ticketId: 1 };
  };
  workers.push(outbox.startWorker({ deliver, concurrency: 2, log: createLogger({ level: 'info', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }) }));
  return delivered;
};

async function eventually(check: () => Promise<void> | void, timeoutMs = 8000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

it('keeps a staged copy beside the queue, not as a job, and keeps the first copy and its hold when staged again', async () => {
  const before = Date.now();
  await outbox.stage(staged('twice'), 60_000);
  await outbox.stage({ ...staged('twice'), files: ['later'] }, 120_000);
  const { client } = redis();
  expect(await client.hkeys(`${prefix}:staged`)).toEqual(['twice']);
  const due = Number(await client.zscore(`${prefix}:staged-due`, 'twice'));
  expect(due).toBeGreaterThanOrEqual(before + 60_000);
  expect(due).toBeLessThan(before + 120_000);
  expect(await client.exists(`${prefix}:relay-outbox:key-twice`)).toBe(0);
  expect(await outbox.heldFiles()).toEqual(new Set());
  await outbox.discard('twice');
  expect(await client.exists(`${prefix}:staged`, `${prefix}:staged-due`)).toBe(0);
});

it('delivers the other staged tickets when one copy cannot be read, logging it by reference, and tidies a hold left without a copy', async () => {
  const { client } = redis();
  await client.hset(`${prefix}:staged`, 'broken-copy-0000', '{not json');
  await client.zadd(`${prefix}:staged-due`, 0, 'broken-copy-0000', 0, 'hold-without-copy');
  await outbox.stage(staged('healthy-one'), 0);
  await outbox.stage(staged('healthy-two'), 0);
  const delivered = recorder();
  await eventually(() => expect(delivered.sort()).toEqual(['healthy-one', 'healthy-two']));
  await eventually(async () => expect(await client.zscore(`${prefix}:staged-due`, 'hold-without-copy')).toBeNull());
  expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'outbox could not take over a staged ticket; trying again', reference: referenceOf('broken-copy-0000') }));
  // Left for the next sweep (and an operator): it is not deleted unread.
  expect(await client.hexists(`${prefix}:staged`, 'broken-copy-0000')).toBe(1);
  expect(lines).toContainEqual(expect.objectContaining({ msg: 'outbox took over a staged ticket whose request did not come back', reference: referenceOf('healthy-one') }));
});

it('sends a swept ticket once when a second sweep had read its copy before the first delivered it', async () => {
  const { client } = redis();
  await outbox.stage(staged('read-twice'), 0);
  const copy = await client.hget(`${prefix}:staged`, 'read-twice');
  const delivered = recorder();
  await eventually(() => expect(delivered).toEqual(['read-twice']));
  await eventually(async () => expect(await client.hexists(`${prefix}:staged`, 'read-twice')).toBe(0));
  // What the slower sweep holds: the copy as it read it, still due. Its job is done, and kept a while.
  await client.hset(`${prefix}:staged`, 'read-twice', copy ?? '');
  await client.zadd(`${prefix}:staged-due`, 0, 'read-twice');
  await eventually(async () => expect(await client.hexists(`${prefix}:staged`, 'read-twice')).toBe(0));
  await new Promise((resolve) => setTimeout(resolve, 600));
  expect(delivered).toEqual(['read-twice']);
  expect(await outbox.get('read-twice')).toBeUndefined();
  expect(await outbox.counts()).toEqual({ queued: 0, dead: 0 });
});

it('deletes, after a sweep, only the copy it read and only while its hold is over', async () => {
  const { client } = redis();
  const [hash, due] = [`${prefix}:staged`, `${prefix}:staged-due`];
  const unstageSwept = (key: string, read: string, now: number) => client.eval(STAGED_SCRIPTS.relayOutboxUnstageSwept, 2, hash, due, key, read, now);
  await client.hset(hash, 'k', 'copy staged anew');
  await client.zadd(due, 5000, 'k');
  // The sweep read another copy (or none) before a retry staged this one: kept.
  expect(await unstageSwept('k', 'copy the sweep read', 6000)).toBe(0);
  expect(await unstageSwept('k', '', 6000)).toBe(0);
  // The same copy, its hold not over (staged again with a later hold): kept.
  expect(await unstageSwept('k', 'copy staged anew', 4000)).toBe(0);
  expect(await client.hget(hash, 'k')).toBe('copy staged anew');
  expect(await unstageSwept('k', 'copy staged anew', 6000)).toBe(1);
  expect(await client.exists(hash, due)).toBe(0);
  // A hold without a copy, read as none: tidied.
  await client.zadd(due, 0, 'orphan');
  expect(await unstageSwept('orphan', '', 1)).toBe(1);
  expect(await client.exists(due)).toBe(0);
});

it('stops its worker and closes while Redis is down (BullMQ alone would wait for it)', async () => {
  const log = createLogger({ level: 'silent' });
  // Nothing listens on port 1.
  const unreachable = createBullmqOutbox({ url: 'redis://127.0.0.1:1', prefix, leaseMs: 600, log });
  const worker = unreachable.startWorker({ deliver: async () => ({ outcome: 'delivered', ticketId: 1 }), concurrency: 1, log });
  // The worker's loop is waiting for Redis by now, as a relay's is when a signal comes.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const started = Date.now();
  await worker.stop();
  await unreachable.close();
  expect(Date.now() - started).toBeLessThan(3000);
}, 15_000);
