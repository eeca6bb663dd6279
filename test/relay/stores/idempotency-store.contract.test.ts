/**
 * The idempotency store contract, run against every implementation: memory, SQLite, Redis (a
 * real redis-server on a free loopback port) and Durable Objects (in workerd, through miniflare). Clocks are the tests' own, so leases and TTLs expire
 * when a test says so.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdempotencyStore, Reservation, StoredResponse } from '../../../src/relay/stores/idempotency-store';
import { RELEASED_KEEP_MS } from '../../../src/relay/stores/idempotency-store';
import { useRedis } from '../../support/use-redis';
import { useDurableObjects } from '../../workers/use-durable-objects';
import { durableObjectBackend, memoryBackend, redisBackend, sqliteBackend } from './backends';
import type { Backend, BackendKind } from './backends';

const CREATED: StoredResponse = { status: 201, body: '{"ticketId":7}', headers: { 'content-type': 'application/json' } };
const CREATED_LATE: StoredResponse = { status: 201, body: '{"ticketId":8}', headers: { 'content-type': 'application/json' } };
const REFUSED: StoredResponse = { status: 502, body: '{"error":{"code":"upstream_rejected"}}', headers: {} };

const TTL_MS = 60_000;
const LEASE_MS = 1000;

const redis = useRedis();
const durableObjects = useDurableObjects();

const BACKENDS: BackendKind[] = [memoryBackend, sqliteBackend, redisBackend(redis), durableObjectBackend(() => durableObjects('IDEMPOTENCY'))];

/** The holder of a reservation that must be `reserved`. */
function holderOf(reservation: Reservation): string {
  if (reservation.status !== 'reserved') throw new Error(`expected reserved, got ${reservation.status}`);
  return reservation.lease.holder;
}

describe.each(BACKENDS)('$name idempotency store', (kind) => {
  const clock = { now: 1_000_000 };
  let backend: Backend;
  let store: IdempotencyStore;
  const open = () => backend.open({ now: () => clock.now, ttlMs: TTL_MS, leaseMs: LEASE_MS });

  beforeEach(async () => {
    clock.now = 1_000_000;
    backend = await kind.create();
    store = open();
  });
  afterEach(async () => {
    await backend.dispose();
  });

  describe('reserving', () => {
    it('reserves a new key under a lease', async () => {
      const reservation = await store.reserve('k', 'fp');
      expect(reservation).toEqual({ status: 'reserved', lease: { holder: expect.any(String), expiresAt: clock.now + LEASE_MS } });
      expect(await store.lookup('k')).toEqual({ state: 'held', fingerprint: 'fp', holder: holderOf(reservation), leaseExpiresAt: clock.now + LEASE_MS });
    });

    it('tells a second request that the key is in flight, and who holds it', async () => {
      const holder = holderOf(await store.reserve('k', 'fp'));
      expect(await store.reserve('k', 'fp')).toEqual({ status: 'in_flight', holder });
    });

    it('reports a conflict for a different fingerprint, in flight or completed', async () => {
      const holder = holderOf(await store.reserve('k', 'fp'));
      expect(await store.reserve('k', 'other')).toEqual({ status: 'conflict' });
      await store.complete('k', holder, CREATED);
      expect(await store.reserve('k', 'other')).toEqual({ status: 'conflict' });
    });

    it('gives exactly one of 20 parallel reservations of a key', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => store.reserve('busy', 'fp')));
      expect(results.filter((result) => result.status === 'reserved')).toHaveLength(1);
      expect(results.filter((result) => result.status === 'in_flight')).toHaveLength(19);
    });
  });

  describe('settling', () => {
    it('replays a completed answer for the same fingerprint', async () => {
      const holder = holderOf(await store.reserve('k', 'fp'));
      expect(await store.complete('k', holder, CREATED)).toBe(true);
      expect(await store.reserve('k', 'fp')).toEqual({ status: 'replay', response: CREATED });
      expect(await store.lookup('k')).toEqual({ state: 'done', fingerprint: 'fp', response: CREATED });
    });

    it('frees a released key for a retry, keeping its answer for the requests that waited on it', async () => {
      const holder = holderOf(await store.reserve('k', 'fp'));
      expect(await store.release('k', holder, REFUSED)).toBe(true);
      expect(await store.lookup('k')).toEqual({ state: 'released', fingerprint: 'fp', holder, response: REFUSED });
      const retry = await store.reserve('k', 'fp');
      expect(holderOf(retry)).not.toBe(holder);
    });

    it('lets a released key be used for another body, and forgets the released answer after a while', async () => {
      const holder = holderOf(await store.reserve('k', 'fp'));
      await store.release('k', holder, REFUSED);
      clock.now += RELEASED_KEEP_MS;
      expect(await store.lookup('k')).toBeUndefined();
      expect((await store.reserve('k', 'other')).status).toBe('reserved');
    });

    it('forgets a completed answer after the TTL', async () => {
      const holder = holderOf(await store.reserve('k', 'fp'));
      await store.complete('k', holder, CREATED);
      clock.now += TTL_MS - 1;
      expect((await store.reserve('k', 'fp')).status).toBe('replay');
      clock.now += 1;
      expect(await store.lookup('k')).toBeUndefined();
      expect((await store.reserve('k', 'other')).status).toBe('reserved');
    });

    it('refuses complete, release and renew from a request that never held the key', async () => {
      expect(await store.complete('ghost', 'nobody', CREATED)).toBe(false);
      expect(await store.release('ghost', 'nobody', REFUSED)).toBe(false);
      expect(await store.renew('ghost', 'nobody')).toBe(false);
      expect(await store.markSending('ghost', 'nobody')).toBe(false);
      holderOf(await store.reserve('k', 'fp'));
      expect(await store.complete('k', 'somebody-else', CREATED)).toBe(false);
      expect((await store.lookup('k'))?.state).toBe('held');
    });
  });

  describe('answers kept for the outbox', () => {
    const QUEUED: StoredResponse = { status: 202, body: '{"queued":true,"reference":"Q-1"}', headers: {} };

    it('keeps an answer completed with `keep` past the TTL, and replays it', async () => {
      const holder = holderOf(await store.reserve('k', 'fp'));
      expect(await store.complete('k', holder, QUEUED, { keep: true })).toBe(true);
      clock.now += 10 * TTL_MS;
      expect(await store.reserve('k', 'fp')).toEqual({ status: 'replay', response: QUEUED });
    });

    it('replaces a kept answer, which then expires after the TTL', async () => {
      const holder = holderOf(await store.reserve('k', 'fp'));
      await store.complete('k', holder, QUEUED, { keep: true });
      clock.now += 2 * TTL_MS;
      expect(await store.replaceAnswer('k', CREATED)).toBe(true);
      expect(await store.reserve('k', 'fp')).toEqual({ status: 'replay', response: CREATED });
      clock.now += TTL_MS;
      expect(await store.lookup('k')).toBeUndefined();
    });

    it('replaces nothing on a key without a final answer', async () => {
      expect(await store.replaceAnswer('ghost', CREATED)).toBe(false);
      const holder = holderOf(await store.reserve('k', 'fp'));
      expect(await store.replaceAnswer('k', CREATED)).toBe(false);
      await store.markUnresolved('k', holder);
      expect(await store.replaceAnswer('k', CREATED)).toBe(false);
      expect((await store.lookup('k'))?.state).toBe('unresolved');
    });
  });

  describe('leases', () => {
    it('keeps a renewed lease alive past its first expiry', async () => {
      const holder = holderOf(await store.reserve('k', 'fp'));
      clock.now += LEASE_MS - 1;
      expect(await store.renew('k', holder)).toBe(true);
      clock.now += LEASE_MS - 1;
      expect(await store.reserve('k', 'fp')).toEqual({ status: 'in_flight', holder });
    });

    it('hands a lapsed lease whose holder sent nothing to the next request, as a fresh start', async () => {
      const dead = holderOf(await store.reserve('k', 'fp'));
      clock.now += LEASE_MS;
      const next = await store.reserve('k', 'fp');
      expect(next).toEqual({ status: 'reserved', lease: { holder: expect.any(String), expiresAt: clock.now + LEASE_MS } });
      expect(holderOf(next)).not.toBe(dead);
    });

    it('never lets the dead holder overwrite the new holder’s answer', async () => {
      const dead = holderOf(await store.reserve('k', 'fp'));
      clock.now += LEASE_MS;
      const alive = holderOf(await store.reserve('k', 'fp'));
      expect(await store.complete('k', dead, CREATED_LATE)).toBe(false);
      expect(await store.release('k', dead, REFUSED)).toBe(false);
      expect(await store.renew('k', dead)).toBe(false);
      expect(await store.markSending('k', dead)).toBe(false);
      expect(await store.complete('k', alive, CREATED)).toBe(true);
      expect(await store.complete('k', dead, CREATED_LATE)).toBe(false);
      expect(await store.reserve('k', 'fp')).toEqual({ status: 'replay', response: CREATED });
    });

    it('gives a lapsed lease to exactly one of 20 parallel takeovers', async () => {
      holderOf(await store.reserve('k', 'fp'));
      clock.now += LEASE_MS;
      const results = await Promise.all(Array.from({ length: 20 }, () => store.reserve('k', 'fp')));
      expect(results.filter((result) => result.status === 'reserved')).toHaveLength(1);
      expect(results.filter((result) => result.status === 'in_flight')).toHaveLength(19);
    });
  });

  describe('unresolved keys', () => {
    it('keeps a key whose holder died after it began sending as unresolved, never free', async () => {
      const dead = holderOf(await store.reserve('k', 'fp'));
      expect(await store.markSending('k', dead)).toBe(true);
      const lapsedAt = clock.now + LEASE_MS;
      clock.now = lapsedAt + 5;
      expect(await store.lookup('k')).toEqual({ state: 'unresolved', fingerprint: 'fp', since: lapsedAt });
      expect(await store.reserve('k', 'fp')).toEqual({ status: 'unresolved', since: lapsedAt });
      expect(await store.reserve('k', 'fp')).toEqual({ status: 'unresolved', since: lapsedAt });
      expect(await store.listUnresolved(10)).toEqual([{ key: 'k', fingerprint: 'fp', since: lapsedAt }]);
      expect(await store.complete('k', dead, CREATED)).toBe(false);
    });

    it('answers unresolved after markUnresolved, keeps it past the TTL, and lists it', async () => {
      const holder = holderOf(await store.reserve('k', 'fp'));
      await store.markSending('k', holder);
      const since = clock.now;
      expect(await store.markUnresolved('k', holder)).toBe(true);
      clock.now += 10 * TTL_MS;
      expect(await store.reserve('k', 'fp')).toEqual({ status: 'unresolved', since });
      expect(await store.reserve('k', 'other')).toEqual({ status: 'conflict' });
      expect(await store.listUnresolved(10)).toEqual([{ key: 'k', fingerprint: 'fp', since }]);
    });

    it('hands an unresolved key to a request that can look for the ticket, under a lease', async () => {
      const first = holderOf(await store.reserve('k', 'fp'));
      await store.markSending('k', first);
      const since = clock.now;
      await store.markUnresolved('k', first);
      clock.now += 100;
      const checker = await store.reserve('k', 'fp', { takeUnresolved: true });
      expect(checker).toEqual({ status: 'reserved', lease: { holder: expect.any(String), expiresAt: clock.now + LEASE_MS }, uncertainSince: since });
      expect(await store.reserve('k', 'fp', { takeUnresolved: true })).toEqual({ status: 'in_flight', holder: holderOf(checker) });
      expect(await store.listUnresolved(10)).toEqual([]);
      expect(await store.complete('k', holderOf(checker), CREATED)).toBe(true);
      expect(await store.reserve('k', 'fp')).toEqual({ status: 'replay', response: CREATED });
    });

    it('stays uncertain when the request checking it dies too', async () => {
      const first = holderOf(await store.reserve('k', 'fp'));
      await store.markSending('k', first);
      await store.markUnresolved('k', first);
      holderOf(await store.reserve('k', 'fp', { takeUnresolved: true }));
      clock.now += LEASE_MS;
      const next = await store.reserve('k', 'fp', { takeUnresolved: true });
      expect(next).toMatchObject({ status: 'reserved', uncertainSince: clock.now });
    });

    it('settles an unresolved key once, with its final answer', async () => {
      const holder = holderOf(await store.reserve('k', 'fp'));
      await store.markUnresolved('k', holder);
      expect(await store.settle('k', CREATED)).toBe(true);
      expect(await store.settle('k', CREATED_LATE)).toBe(false);
      expect(await store.reserve('k', 'fp')).toEqual({ status: 'replay', response: CREATED });
      expect(await store.listUnresolved(10)).toEqual([]);
    });

    it('settles no key that is held, done or unknown', async () => {
      const holder = holderOf(await store.reserve('held', 'fp'));
      expect(await store.settle('held', CREATED)).toBe(false);
      expect(await store.settle('nowhere', CREATED)).toBe(false);
      await store.complete('held', holder, REFUSED);
      expect(await store.settle('held', CREATED)).toBe(false);
    });

    it('lists unresolved keys oldest first, up to the limit', async () => {
      for (const key of ['a', 'b', 'c']) {
        const holder = holderOf(await store.reserve(key, `fp-${key}`));
        await store.markUnresolved(key, holder);
        clock.now += 10;
      }
      expect((await store.listUnresolved(2)).map((entry) => entry.key)).toEqual(['a', 'b']);
    });
  });

  describe.runIf(kind.shared)('shared by several relays', () => {
    it('survives a restart: a completed key replays, another body conflicts, an unresolved one stays', async () => {
      const done = holderOf(await store.reserve('done', 'fp'));
      await store.complete('done', done, CREATED);
      const open_ = holderOf(await store.reserve('open', 'fp'));
      await store.markUnresolved('open', open_);
      await store.close();
      const restarted = open();
      expect(await restarted.reserve('done', 'fp')).toEqual({ status: 'replay', response: CREATED });
      expect(await restarted.reserve('done', 'other')).toEqual({ status: 'conflict' });
      expect(await restarted.reserve('open', 'fp')).toMatchObject({ status: 'unresolved' });
    });

    it('gives exactly one of 40 reservations racing on two stores', async () => {
      const other = open();
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? store : other).reserve('raced', 'fp')));
      expect(results.filter((result) => result.status === 'reserved')).toHaveLength(1);
    });

    it('lets another store take over a lapsed lease, and refuses the first store’s late answer', async () => {
      const other = open();
      const dead = holderOf(await store.reserve('k', 'fp'));
      clock.now += LEASE_MS;
      const alive = holderOf(await other.reserve('k', 'fp'));
      expect(await store.complete('k', dead, CREATED_LATE)).toBe(false);
      expect(await other.complete('k', alive, CREATED)).toBe(true);
      expect(await store.reserve('k', 'fp')).toEqual({ status: 'replay', response: CREATED });
    });
  });
});
