import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startSweep, sweepIntervalMs, sweepOnce } from '../../../src/relay/attachments/sweep';
import type { StoredMeta } from '../../../src/relay/attachments/storage';
import { captureLogs } from '../helpers';
import { memoryStorage } from './memory-storage';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const LIFETIMES = { orphanMs: 60 * MINUTE, retentionMs: 30 * DAY };

function setup(lifetimes = LIFETIMES) {
  const clock = { now: 10 * DAY };
  const now = () => clock.now;
  const { storage, bytes } = memoryStorage(now);
  const logs = captureLogs();
  const store = async (key: string, meta?: Partial<StoredMeta>) => {
    await storage.put(key, Readable.from(['x']));
    if (meta) await storage.setMeta(key, { name: 'a.txt', size: 1, type: 'text/plain', createdAt: clock.now, ...meta });
  };
  const sweep = () => sweepOnce({ storage, lifetimes, now, log: logs.log });
  return { clock, bytes, store, sweep, storage, logs };
}

describe('sweepOnce', () => {
  it('deletes uploads no ticket took within the orphan time, and keeps younger ones', async () => {
    const { clock, bytes, store, sweep } = setup();
    await store('old', {});
    clock.now += 30 * MINUTE;
    await store('young', {});
    clock.now += 30 * MINUTE + 1;

    expect(await sweep()).toBe(1);
    expect([...bytes.keys()]).toEqual(['young']);
  });

  it('keeps an old upload while a ticket is taking it', async () => {
    const { clock, bytes, store, sweep } = setup();
    await store('reserved', { reservedUntil: clock.now + 2 * 60 * MINUTE });
    clock.now += 61 * MINUTE;
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
    clock.now += 61 * MINUTE;

    const stop = startSweep({ storage, lifetimes: LIFETIMES, now: () => clock.now, log: logs.log }, 10);
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
