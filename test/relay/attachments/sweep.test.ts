import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAttachmentClaims } from '../../../src/relay/attachments/claim-attachments';
import { keyOf, newReference } from '../../../src/relay/attachments/reference';
import { startSweep, sweepIntervalMs, sweepOnce } from '../../../src/relay/attachments/sweep';
import type { AttachmentStorage, StoredMeta } from '../../../src/relay/attachments/storage';
import { captureLogs } from '../helpers';
import { memoryStorage } from './memory-storage';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const LIFETIMES = { orphanMs: 60 * MINUTE, retentionMs: 30 * DAY };
const LEASE = 2 * MINUTE;

function setup(lifetimes = LIFETIMES) {
  const clock = { now: 10 * DAY };
  const now = () => clock.now;
  const { storage, bytes } = memoryStorage(now);
  const logs = captureLogs();
  const store = async (key: string, meta?: Partial<StoredMeta>) => {
    await storage.put(key, Readable.from(['x']));
    if (meta) await storage.setMeta(key, { name: 'a.txt', size: 1, type: 'text/plain', createdAt: clock.now, ...meta });
  };
  const sweep = (on: AttachmentStorage = storage) => sweepOnce({ storage: on, lifetimes, leaseMs: LEASE, now, log: logs.log });
  return { clock, bytes, store, sweep, storage, logs };
}

describe('sweepOnce', () => {
  it('keeps every file an outbox entry holds, however old, and sweeps it like any other once released', async () => {
    const { clock, bytes, store, storage, logs } = setup();
    await store('queued-file', { attachedAt: clock.now });
    await store('delivered-file', { attachedAt: clock.now });
    await store('orphan-of-dead-entry', {});
    clock.now += 60 * DAY;
    const held = new Set(['queued-file', 'orphan-of-dead-entry']);
    const sweep = () => sweepOnce({ storage, lifetimes: LIFETIMES, leaseMs: LEASE, now: () => clock.now, log: logs.log, held: async () => held });
    expect(await sweep()).toBe(1);
    expect([...bytes.keys()].sort()).toEqual(['orphan-of-dead-entry', 'queued-file']);
    held.clear();
    expect(await sweep()).toBe(2);
    expect([...bytes.keys()]).toEqual([]);
  });

  it('deletes uploads no ticket took within the orphan time, a lease later, and keeps younger ones', async () => {
    const { clock, bytes, store, sweep } = setup();
    await store('old', {});
    clock.now += 30 * MINUTE;
    await store('young', {});
    clock.now += 30 * MINUTE + 1;
    // Orphaned (tickets refuse it now), but a ticket that found it just in time may be reserving it.
    expect(await sweep()).toBe(0);
    clock.now += LEASE - 1;
    expect(await sweep()).toBe(0);
    clock.now += 1;

    expect(await sweep()).toBe(1);
    expect([...bytes.keys()]).toEqual(['young']);
  });

  it('does not delete a file a ticket is claiming just as its orphan time passes', async () => {
    const { clock, bytes, storage, sweep } = setup();
    // The claim's reservation is written late: it found the file claimable, then the storage stalled.
    let writeReservation = () => {};
    const stalled = new Promise<void>((resolve) => {
      writeReservation = resolve;
    });
    const slow: AttachmentStorage = {
      ...storage,
      setMeta: async (key, meta) => {
        if (meta.reservedUntil !== undefined) await stalled;
        await storage.setMeta(key, meta);
      },
    };
    const claims = createAttachmentClaims({ storage: slow, lifetimes: LIFETIMES, maxFiles: 5, maxTotalBytes: 100, leaseMs: LEASE, now: () => clock.now });
    const reference = newReference();
    await storage.put(keyOf(reference), Readable.from(['x']));
    await storage.setMeta(keyOf(reference), { name: 'a.txt', size: 1, type: 'text/plain', createdAt: clock.now });

    clock.now += 60 * MINUTE; // the last moment a ticket may take it
    const claiming = claims.claim([reference], 'a'.repeat(32));
    await new Promise((resolve) => setTimeout(resolve, 10));
    clock.now += 1; // orphaned now; a sweep pass runs before the reservation is written
    expect(await sweep()).toBe(0);
    writeReservation();
    const claimed = await claiming;

    expect(claimed.ok).toBe(true);
    if (claimed.ok) await claims.commit(claimed.value, 'a'.repeat(32));
    clock.now += LEASE + 1;
    expect(await sweep()).toBe(0);
    expect(bytes.has(keyOf(reference))).toBe(true);
  });

  it('judges each file by its metadata as it is now, not as it was listed', async () => {
    const { clock, bytes, store, storage, sweep } = setup();
    await store('taken', {});
    clock.now += 61 * MINUTE + LEASE;
    // A listing that read the metadata before a ticket reserved the file.
    const stale = (await storage.getMeta('taken')) as StoredMeta;
    await storage.setMeta('taken', { ...stale, reservedUntil: clock.now + LEASE, owner: 'a'.repeat(32) });
    const listedEarlier: AttachmentStorage = {
      ...storage,
      async *list() {
        yield { key: 'taken', meta: stale, modifiedAt: 0 };
      },
    };
    expect(await sweep(listedEarlier)).toBe(0);
    expect(bytes.has('taken')).toBe(true);
  });

  it('skips a file whose metadata cannot be read, logs it, and sweeps the rest', async () => {
    const { clock, bytes, store, storage, sweep, logs } = setup();
    await store('first', {});
    await store('broken', {});
    await store('last', {});
    clock.now += 61 * MINUTE + LEASE;
    const unreadable: AttachmentStorage = {
      ...storage,
      getMeta: async (key) => {
        if (key === 'broken') throw new SyntaxError('Unexpected end of JSON input');
        return storage.getMeta(key);
      },
    };

    expect(await sweep(unreadable)).toBe(2);
    expect([...bytes.keys()]).toEqual(['broken']);
    expect(logs.records()).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'attachment metadata could not be read; the sweep skips it', error: 'SyntaxError: Unexpected end of JSON input' }),
    );
    // The next pass tries again.
    expect(await sweep(unreadable)).toBe(0);
  });

  it('keeps an old upload while a ticket is taking it', async () => {
    const { clock, bytes, store, sweep } = setup();
    await store('reserved', { reservedUntil: clock.now + 2 * 60 * MINUTE });
    clock.now += 61 * MINUTE + LEASE;
    expect(await sweep()).toBe(0);
    expect([...bytes.keys()]).toEqual(['reserved']);
  });

  it('deletes attached files after the retention, counted from the ticket', async () => {
    const { clock, bytes, store, sweep } = setup();
    await store('attached', { createdAt: clock.now - 50 * MINUTE, attachedAt: clock.now });
    clock.now += 30 * DAY;
    expect(await sweep()).toBe(0);
    clock.now += 1;
    expect(await sweep()).toBe(1);
    expect(bytes.size).toBe(0);
  });

  it('keeps attached files forever with a retention of 0', async () => {
    const { clock, bytes, store, sweep } = setup({ ...LIFETIMES, retentionMs: 0 });
    await store('kept', { attachedAt: clock.now });
    clock.now += 3650 * DAY;
    expect(await sweep()).toBe(0);
    expect(bytes.size).toBe(1);
  });

  it('deletes bytes whose upload never finished (no metadata) after the orphan time', async () => {
    const { clock, bytes, store, sweep } = setup();
    await store('unfinished');
    clock.now += 60 * MINUTE;
    expect(await sweep()).toBe(0);
    clock.now += 1;
    expect(await sweep()).toBe(1);
    expect(bytes.size).toBe(0);
  });
});

describe('startSweep', () => {
  it('runs every interval on an unref’d timer and stops when asked', async () => {
    const { clock, bytes, store, storage, logs } = setup();
    await store('old', {});
    clock.now += 61 * MINUTE + LEASE;

    const stop = startSweep({ storage, lifetimes: LIFETIMES, leaseMs: LEASE, now: () => clock.now, log: logs.log }, 10);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await stop();

    expect(bytes.size).toBe(0);
    expect(logs.records()).toContainEqual(expect.objectContaining({ level: 'info', msg: 'attachments swept', deleted: 1 }));
  });

  it('sweeps every five minutes, or at half the orphan time when that is sooner (at least 10 s)', () => {
    expect(sweepIntervalMs(LIFETIMES)).toBe(5 * MINUTE);
    expect(sweepIntervalMs({ ...LIFETIMES, orphanMs: 4 * MINUTE })).toBe(2 * MINUTE);
    expect(sweepIntervalMs({ ...LIFETIMES, orphanMs: MINUTE / 10 })).toBe(10_000);
  });
});
