import { describe, expect, it } from 'vitest';
import { createMemoryIdempotencyStore } from '../../src/relay/stores/memory-idempotency-store';
import type { StoredResponse } from '../../src/relay/stores/idempotency-store';

const CREATED: StoredResponse = { status: 201, body: '{"ticketId":7}', headers: { 'content-type': 'application/json' } };
const FAILED: StoredResponse = { status: 502, body: '{"error":{}}', headers: {} };

function setup(maxEntries?: number) {
  const clock = { now: 0 };
  const store = createMemoryIdempotencyStore({ ttlMs: 1000, now: () => clock.now, ...(maxEntries ? { maxEntries } : {}) });
  return { clock, store };
}

describe('memory idempotency store', () => {
  it('reserves a new key', async () => {
    const { store } = setup();
    expect(await store.reserve('k', 'fp')).toEqual({ status: 'reserved' });
  });

  it('replays a completed answer for the same fingerprint', async () => {
    const { store } = setup();
    await store.reserve('k', 'fp');
    await store.complete('k', CREATED);
    expect(await store.reserve('k', 'fp')).toEqual({ status: 'replay', response: CREATED });
  });

  it('reports a conflict for a different fingerprint, in flight or completed', async () => {
    const { store } = setup();
    await store.reserve('k', 'fp');
    expect(await store.reserve('k', 'other')).toEqual({ status: 'conflict' });
    await store.complete('k', CREATED);
    expect(await store.reserve('k', 'other')).toEqual({ status: 'conflict' });
  });

  it('lets a second request wait for the first and hands it the same answer', async () => {
    const { store } = setup();
    await store.reserve('k', 'fp');
    const second = await store.reserve('k', 'fp');
    expect(second.status).toBe('in_flight');
    await store.complete('k', CREATED);
    expect(second.status === 'in_flight' && (await second.outcome)).toEqual(CREATED);
  });

  it('frees a released key for a retry, and gives current waiters the failure', async () => {
    const { store } = setup();
    await store.reserve('k', 'fp');
    const waiter = await store.reserve('k', 'fp');
    await store.release('k', FAILED);
    expect(waiter.status === 'in_flight' && (await waiter.outcome)).toEqual(FAILED);
    expect(await store.reserve('k', 'fp')).toEqual({ status: 'reserved' });
  });

  it('forgets a completed answer after the TTL', async () => {
    const { clock, store } = setup();
    await store.reserve('k', 'fp');
    await store.complete('k', CREATED);
    clock.now = 999;
    expect((await store.reserve('k', 'fp')).status).toBe('replay');
    clock.now = 1000;
    expect(await store.reserve('k', 'other')).toEqual({ status: 'reserved' });
  });

  it('prunes expired entries as new keys arrive, so it does not grow without bound', async () => {
    const { clock, store } = setup();
    for (let i = 0; i < 50; i += 1) {
      await store.reserve(`old-${i}`, 'fp');
      await store.complete(`old-${i}`, CREATED);
    }
    expect(store.size()).toBe(50);
    clock.now = 5000;
    await store.reserve('new', 'fp');
    expect(store.size()).toBe(1);
  });

  it('drops the oldest completed entries beyond the cap', async () => {
    const { store } = setup(3);
    for (const key of ['a', 'b', 'c', 'd']) {
      await store.reserve(key, 'fp');
      await store.complete(key, CREATED);
    }
    expect(store.size()).toBe(3);
    expect(await store.reserve('a', 'other')).toEqual({ status: 'reserved' });
    expect((await store.reserve('d', 'fp')).status).toBe('replay');
  });

  it('never evicts a key that is still in flight', async () => {
    const { store } = setup(2);
    await store.reserve('busy', 'fp');
    for (const key of ['a', 'b', 'c']) {
      await store.reserve(key, 'fp');
      await store.complete(key, CREATED);
    }
    expect((await store.reserve('busy', 'fp')).status).toBe('in_flight');
  });

  it('ignores complete or release for a key it does not hold', async () => {
    const { store } = setup();
    await store.complete('ghost', CREATED);
    await store.release('ghost', FAILED);
    expect(store.size()).toBe(0);
  });
});
