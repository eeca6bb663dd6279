/**
 * The outbox contract, run against every implementation: SQLite (a table in the relay's file),
 * BullMQ (a real redis-server on a free loopback port) and Durable Objects (in workerd, through miniflare). Times are real and short: BullMQ keeps its
 * own clock in Redis, so a pretend clock could not move it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CreateTicketBody } from '../../../src/shared/create-ticket';
import { createLogger } from '../../../src/relay/log';
import type { Backoff, Deliver, DeliveryOutcome, OutboxStore, OutboxWorker, QueuedTicket } from '../../../src/relay/outbox/outbox-store';
import { referenceOf } from '../../../src/relay/outbox/outbox-store';
import { useRedis } from '../../support/use-redis';
import { useDurableObjects } from '../../workers/use-durable-objects';
import { bullmqOutbox, durableOutbox, sqliteOutbox } from './backends';
import type { OutboxBackend, OutboxBackendKind } from './backends';

const BODY = { title: 'Printer on fire', message: 'Again.', isHtml: false } as unknown as CreateTicketBody;
const FAST: Backoff = { maxAttempts: 5, baseMs: 60, maxMs: 240, lookupDelayMs: 0 };
const LEASE_MS = 600;
const log = createLogger({ level: 'silent' });

const ticket = (key: string, extra: Partial<QueuedTicket> = {}): QueuedTicket => ({
  key,
  fingerprint: `fp-${key}`,
  body: BODY,
  redact: [],
  files: [],
  lastError: 'upstream_unavailable',
  ambiguous: false,
  ...extra,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it passes or `timeoutMs` runs out (then its last failure is thrown). */
async function eventually(check: () => Promise<void> | void, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(25);
    }
  }
}

const redis = useRedis();

const durableObjects = useDurableObjects();

const KINDS: OutboxBackendKind[] = [sqliteOutbox, bullmqOutbox(redis), durableOutbox(() => durableObjects('OUTBOX'))];

describe.each(KINDS)('$name outbox', (kind) => {
  let backend: OutboxBackend;
  let outbox: OutboxStore;
  const workers: OutboxWorker[] = [];
  const work = (store: OutboxStore, deliver: Deliver, concurrency = 1) => {
    const worker = store.startWorker({ deliver, concurrency, log });
    workers.push(worker);
    return worker;
  };
  /** A deliver that records every attempt (key, time, entry as handed over) and answers with `answer`. */
  /**
   * Delivers what is due with this store's worker and a second store's (another relay) at once,
   * each attempt taking `workMs`, until nothing is queued; the keys delivered, sorted (a key
   * delivered twice shows twice).
   */
  const deliveredByTwoRelays = async ({ concurrency, workMs }: { concurrency: number; workMs: number }) => {
    const other = backend.open({ backoff: FAST, leaseMs: LEASE_MS });
    const delivered: string[] = [];
    const deliver: Deliver = async ({ entry, markSending }) => {
      if (!(await markSending())) return { outcome: 'retry', reason: 'lease_lost', ambiguous: true };
      if (workMs > 0) await sleep(workMs);
      delivered.push(entry.key);
      return { outcome: 'delivered', ticketId: 5 };
    };
    work(outbox, deliver, concurrency);
    work(other, deliver, concurrency);
    await eventually(async () => expect(await outbox.counts()).toEqual({ queued: 0, dead: 0 }));
    // Long enough for a second delivery of any key to show.
    await sleep(300);
    return delivered.sort();
  };
  const recorder = (answer: (key: string, attempt: number) => DeliveryOutcome | Promise<DeliveryOutcome>) => {
    const attempts: { key: string; at: number; ambiguous: boolean; attempts: number }[] = [];
    const deliver: Deliver = async ({ entry, markSending }) => {
      attempts.push({ key: entry.key, at: Date.now(), ambiguous: entry.ambiguous, attempts: entry.attempts });
      expect(await markSending()).toBe(true);
      return answer(entry.key, entry.attempts);
    };
    return { attempts, deliver };
  };

  beforeEach(async () => {
    backend = await kind.create();
    outbox = backend.open({ backoff: FAST, leaseMs: LEASE_MS });
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await backend.dispose();
  });

  it('keeps one entry per key, with the reference derived from the key', async () => {
    const first = await outbox.enqueue(ticket('key-a'));
    const second = await outbox.enqueue(ticket('key-a', { lastError: 'upstream_timeout', ambiguous: true }));
    expect(first).toBe(referenceOf('key-a'));
    expect(second).toBe(first);
    const entries = await outbox.list();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ key: 'key-a', reference: first, state: 'queued', attempts: 0, lastError: 'upstream_unavailable', ambiguous: false, body: BODY });
    expect(await outbox.get(first)).toMatchObject({ key: 'key-a' });
    expect(await outbox.get('key-a')).toMatchObject({ reference: first });
    expect(await outbox.counts()).toEqual({ queued: 1, dead: 0 });
  });

  describe('staged ahead of the request\'s own attempt', () => {
    const staged = (key: string, extra: Partial<QueuedTicket> = {}) => {
      const { lastError: _lastError, ambiguous: _ambiguous, ...rest } = ticket(key, extra);
      return rest;
    };

    it('holds a staged ticket back for the hold, and forgets it when the request discards it', async () => {
      const before = Date.now();
      await outbox.stage(staged('in-flight', { files: ['f'] }), 5000);
      await outbox.stage(staged('in-flight'), 5000);
      const [entry] = await outbox.list();
      expect(entry).toMatchObject({ key: 'in-flight', staged: true, ambiguous: true, state: 'queued', fingerprint: 'fp-in-flight' });
      expect(entry?.nextAttemptAt).toBeGreaterThanOrEqual(before + 5000);
      expect(await outbox.heldFiles()).toEqual(new Set(['f']));
      const { attempts, deliver } = recorder(() => ({ outcome: 'delivered', ticketId: 1 }));
      work(outbox, deliver);
      await sleep(200);
      expect(attempts).toHaveLength(0);
      await outbox.discard('in-flight');
      expect(await outbox.list()).toEqual([]);
      await outbox.discard('in-flight');
    });

    it('turns the staged ticket into a queued one when the request queues it', async () => {
      await outbox.stage(staged('unlucky'), 60_000);
      const reference = await outbox.enqueue(ticket('unlucky', { lastError: 'upstream_busy', ambiguous: false }));
      expect(reference).toBe(referenceOf('unlucky'));
      expect(await outbox.list()).toMatchObject([{ key: 'unlucky', staged: false, lastError: 'upstream_busy', ambiguous: false }]);
      const { attempts, deliver } = recorder(() => ({ outcome: 'delivered', ticketId: 1 }));
      work(outbox, deliver);
      await eventually(() => expect(attempts).toHaveLength(1));
      // Discarding what is no longer staged does nothing.
      await outbox.enqueue(ticket('later'));
      await outbox.discard('later');
      expect(await outbox.list()).toMatchObject([{ key: 'later' }]);
    });

    it('delivers a staged ticket whose request never came back (its relay died), as ambiguous', async () => {
      await outbox.stage(staged('crashed'), 100);
      const { attempts, deliver } = recorder(() => ({ outcome: 'delivered', ticketId: 1 }));
      work(outbox, deliver);
      await eventually(() => expect(attempts).toHaveLength(1));
      expect(attempts[0]).toMatchObject({ key: 'crashed', ambiguous: true, attempts: 0 });
    });

    it('delivers each staged ticket whose relay died once, while two relays\' workers look for them', async () => {
      const keys = Array.from({ length: 12 }, (_, i) => `orphan-${i}`);
      for (const key of keys) await outbox.stage(staged(key), 50);
      expect(await deliveredByTwoRelays({ concurrency: 2, workMs: 0 })).toEqual([...keys].sort());
      expect(await outbox.list()).toEqual([]);
    });

    it('names a staged ticket by reference or key, and lets an operator drop it once its hold is over', async () => {
      await outbox.stage(staged('sending-now'), 60_000);
      await outbox.stage(staged('abandoned', { files: ['g'] }), 0);
      expect(await outbox.get(referenceOf('abandoned'))).toMatchObject({ key: 'abandoned', staged: true, state: 'queued', attempts: 0 });
      expect(await outbox.get('sending-now')).toMatchObject({ reference: referenceOf('sending-now'), staged: true });
      expect(await outbox.counts()).toEqual({ queued: 2, dead: 0 });
      expect(await outbox.heldFiles()).toEqual(new Set(['g']));
      // A request is sending the first: not the operator's yet.
      expect(await outbox.drop(referenceOf('sending-now'))).toEqual([]);
      expect(await outbox.drop(referenceOf('abandoned'))).toMatchObject([{ key: 'abandoned' }]);
      expect((await outbox.list()).map((entry) => entry.key)).toEqual(['sending-now']);
      expect(await outbox.heldFiles()).toEqual(new Set());
    });

    it('leaves a staged ticket a worker took alone when its late request discards or queues it', async () => {
      await outbox.stage(staged('late'), 0);
      let taken = false;
      work(outbox, async ({ entry }) => {
        expect(entry.staged).toBe(false);
        taken = true;
        return new Promise<DeliveryOutcome>(() => {});
      });
      await eventually(() => expect(taken).toBe(true));
      await outbox.discard('late');
      await outbox.enqueue(ticket('late', { lastError: 'upstream_busy' }));
      expect(await outbox.list()).toMatchObject([{ key: 'late', staged: false, lastError: 'sending' }]);
      await outbox.close();
    });
  });

  it('delivers due entries in the order they fell due, and forgets them once delivered', async () => {
    for (const key of ['first', 'second', 'third']) {
      await outbox.enqueue(ticket(key));
      await sleep(30);
    }
    const { attempts, deliver } = recorder(() => ({ outcome: 'delivered', ticketId: 1 }));
    work(outbox, deliver);
    await eventually(async () => expect(await outbox.counts()).toEqual({ queued: 0, dead: 0 }));
    expect(attempts.map((attempt) => attempt.key)).toEqual(['first', 'second', 'third']);
    expect(await outbox.list()).toEqual([]);
  });

  it('waits the backoff between attempts, doubling up to the cap', async () => {
    const exact = backend.open({ backoff: { ...FAST, maxAttempts: 10 }, leaseMs: LEASE_MS, random: () => 1 });
    const queuedAt = Date.now();
    await exact.enqueue(ticket('slow'));
    const { attempts, deliver } = recorder((_key, made) => (made < 3 ? { outcome: 'retry', reason: 'upstream_busy', ambiguous: false } : { outcome: 'delivered', ticketId: 2 }));
    work(exact, deliver);
    await eventually(() => expect(attempts).toHaveLength(4));
    const gaps = attempts.map((attempt, i) => attempt.at - (i === 0 ? queuedAt : (attempts[i - 1]?.at ?? 0)));
    // 60, 120, 240, then capped at 240 (jitter pinned to its top); polling adds a little.
    [60, 120, 240, 240].forEach((delay, i) => {
      expect(gaps[i], `gap ${i}`).toBeGreaterThanOrEqual(delay - 5);
      expect(gaps[i], `gap ${i}`).toBeLessThan(delay + 400 + (kind.slackMs ?? 0));
    });
    expect(attempts.map((attempt) => attempt.attempts)).toEqual([0, 1, 2, 3]);
  });

  it('makes a new entry due only after the first backoff (the request made the first attempt)', async () => {
    const exact = backend.open({ backoff: { ...FAST, baseMs: 2000, maxMs: 10_000 }, leaseMs: LEASE_MS, random: () => 1 });
    const before = Date.now();
    await exact.enqueue(ticket('patient'));
    const { attempts, deliver } = recorder(() => ({ outcome: 'delivered', ticketId: 1 }));
    expect((await exact.get('patient'))?.nextAttemptAt).toBeGreaterThanOrEqual(before + 2000);
    work(exact, deliver);
    await sleep(300);
    expect(attempts).toHaveLength(0);
    expect((await exact.list())[0]).toMatchObject({ state: 'queued', attempts: 0 });
  });

  it('waits at least the lookup delay after an ambiguous attempt', async () => {
    const exact = backend.open({ backoff: { ...FAST, lookupDelayMs: 5000 }, leaseMs: LEASE_MS, random: () => 1 });
    const before = Date.now();
    await exact.enqueue(ticket('unclear-first', { ambiguous: true }));
    expect((await exact.get('unclear-first'))?.nextAttemptAt).toBeGreaterThanOrEqual(before + 5000);
  });

  it('records an ambiguous attempt, so the next one knows to look for the ticket', async () => {
    await outbox.enqueue(ticket('unclear'));
    let calls = 0;
    const seen: boolean[] = [];
    work(outbox, async ({ entry, markSending }) => {
      seen.push(entry.ambiguous);
      calls += 1;
      await markSending();
      return calls === 1 ? { outcome: 'retry', reason: 'upstream_timeout', ambiguous: true } : { outcome: 'delivered', ticketId: 3 };
    });
    await eventually(() => expect(seen).toEqual([false, true]));
  });

  it('dead-letters an entry after the last attempt, with its reason, and delivers it no more', async () => {
    await outbox.enqueue(ticket('hopeless'));
    const { attempts, deliver } = recorder(() => ({ outcome: 'retry', reason: 'upstream_unavailable', ambiguous: false }));
    work(outbox, deliver);
    await eventually(async () => expect(await outbox.counts()).toEqual({ queued: 0, dead: 1 }));
    expect(attempts).toHaveLength(FAST.maxAttempts);
    await sleep(400);
    expect(attempts).toHaveLength(FAST.maxAttempts);
    expect((await outbox.list())[0]).toMatchObject({ state: 'dead', lastError: 'upstream_unavailable', attempts: FAST.maxAttempts });
  });

  it('dead-letters a refused entry at once', async () => {
    await outbox.enqueue(ticket('refused'));
    const { attempts, deliver } = recorder(() => ({ outcome: 'refused', reason: 'upstream_rejected' }));
    work(outbox, deliver);
    await eventually(async () => expect(await outbox.counts()).toEqual({ queued: 0, dead: 1 }));
    expect(attempts).toHaveLength(1);
    expect(await outbox.get(referenceOf('refused'))).toMatchObject({ state: 'dead', lastError: 'upstream_rejected', attempts: 1 });
  });

  it('replays a dead entry with a fresh set of attempts, and leaves queued ones alone', async () => {
    await outbox.enqueue(ticket('refused'));
    let refuse = true;
    const { attempts, deliver } = recorder(() => (refuse ? { outcome: 'refused', reason: 'upstream_rejected' } : { outcome: 'delivered', ticketId: 9 }));
    work(outbox, deliver);
    await eventually(async () => expect(await outbox.counts()).toEqual({ queued: 0, dead: 1 }));
    refuse = false;
    expect(await outbox.replay('nothing-like-it')).toEqual([]);
    const replayed = await outbox.replay(referenceOf('refused'));
    expect(replayed).toMatchObject([{ reference: referenceOf('refused'), state: 'queued', attempts: 0 }]);
    await eventually(async () => expect(await outbox.counts()).toEqual({ queued: 0, dead: 0 }));
    expect(attempts.map((attempt) => attempt.attempts)).toEqual([0, 0]);
  });

  it('replays every dead entry with --all', async () => {
    for (const key of ['one', 'two']) await outbox.enqueue(ticket(key));
    let refuse = true;
    const { deliver } = recorder(() => (refuse ? { outcome: 'refused', reason: 'upstream_rejected' } : { outcome: 'delivered', ticketId: 9 }));
    work(outbox, deliver);
    await eventually(async () => expect(await outbox.counts()).toEqual({ queued: 0, dead: 2 }));
    refuse = false;
    expect((await outbox.replay('all')).map((entry) => entry.key).sort()).toEqual(['one', 'two']);
    await eventually(async () => expect(await outbox.counts()).toEqual({ queued: 0, dead: 0 }));
  });

  it('drops an entry by reference, and every dead one with --all, returning what it dropped', async () => {
    await outbox.enqueue(ticket('waiting', { files: ['file-w'] }));
    await outbox.enqueue(ticket('dead-1', { files: ['file-d1'] }));
    await outbox.enqueue(ticket('dead-2'));
    expect(await outbox.heldFiles()).toEqual(new Set(['file-w', 'file-d1']));
    const { deliver } = recorder((key) => (key === 'waiting' ? { outcome: 'retry', reason: 'upstream_busy', ambiguous: false } : { outcome: 'refused', reason: 'upstream_rejected' }));
    const worker = work(outbox, deliver);
    await eventually(async () => expect((await outbox.counts()).dead).toBe(2));
    await worker.stop();
    expect((await outbox.drop('all')).map((entry) => entry.key).sort()).toEqual(['dead-1', 'dead-2']);
    expect(await outbox.heldFiles()).toEqual(new Set(['file-w']));
    expect(await outbox.drop(referenceOf('waiting'))).toMatchObject([{ key: 'waiting', files: ['file-w'] }]);
    expect(await outbox.list()).toEqual([]);
    expect(await outbox.heldFiles()).toEqual(new Set());
  });

  it('keeps entries across a restart (the store closed and opened again)', async () => {
    await outbox.enqueue(ticket('survivor', { files: ['f1'], redact: ['secret'] }));
    await outbox.close();
    const reopened = backend.open({ backoff: FAST, leaseMs: LEASE_MS });
    expect(await reopened.list()).toMatchObject([{ key: 'survivor', files: ['f1'], redact: ['secret'], body: BODY, state: 'queued' }]);
    const { attempts, deliver } = recorder(() => ({ outcome: 'delivered', ticketId: 4 }));
    work(reopened, deliver);
    await eventually(() => expect(attempts.map((attempt) => attempt.key)).toEqual(['survivor']));
  });

  it('delivers each entry once while two stores (two relays) work on it', async () => {
    const keys = Array.from({ length: 24 }, (_, i) => `shared-${i}`);
    for (const key of keys) await outbox.enqueue(ticket(key));
    expect(await deliveredByTwoRelays({ concurrency: 3, workMs: 15 })).toEqual([...keys].sort());
  });

  it('hands the entry of a worker that died mid-delivery to another once its lease lapses, marked ambiguous', async () => {
    await outbox.enqueue(ticket('orphaned'));
    let startedSending = false;
    work(outbox, async ({ markSending }) => {
      await markSending();
      startedSending = true;
      // Never returns: the process died here.
      return new Promise<DeliveryOutcome>(() => {});
    });
    await eventually(() => expect(startedSending).toBe(true));
    // The crash: the store's file or connection goes, and with it the lease renewals.
    await outbox.close();
    const survivor = backend.open({ backoff: FAST, leaseMs: LEASE_MS });
    const { attempts, deliver } = recorder(() => ({ outcome: 'delivered', ticketId: 6 }));
    work(survivor, deliver);
    await eventually(() => expect(attempts).toHaveLength(1), 15_000);
    expect(attempts[0]).toMatchObject({ key: 'orphaned', ambiguous: true });
    await eventually(async () => expect(await survivor.counts()).toEqual({ queued: 0, dead: 0 }));
  }, 20_000);
});
