import { describe, expect, it } from 'vitest';
import { createPendingBytes, MIN_COUNTED_BYTES } from '../../../src/relay/attachments/pending-bytes';

const KB = 1024;

function setup({ maxBytes = 100 * KB, maxBytesPerClient = 100 * KB, maxBytesPerNetwork = 100 * KB, holdMs = 1000 } = {}) {
  const clock = { now: 0 };
  return { clock, pending: createPendingBytes({ maxBytes, maxBytesPerClient, maxBytesPerNetwork, holdMs, now: () => clock.now }) };
}

describe('pending bytes', () => {
  it('admits uploads up to the cap, and none past it', () => {
    const { pending } = setup();
    expect(pending.admit('a', 'ann', 60 * KB).ok).toBe(true);
    expect(pending.admit('b', 'bob', 40 * KB).ok).toBe(true);
    expect(pending.admit('c', 'cat', 1)).toMatchObject({ ok: false, error: { scope: 'relay' } });
    expect(pending.total()).toBe(100 * KB);
  });

  it('replaces an estimate with the real size, and forgets released uploads', () => {
    const { pending } = setup();
    expect(pending.admit('receiving', 'ann', 90 * KB).ok).toBe(true);
    pending.release('receiving');
    pending.set('stored', 'ann', 30 * KB);
    pending.set('stored', 'ann', 20 * KB);
    expect(pending.total()).toBe(20 * KB);
    expect(pending.total('ann')).toBe(20 * KB);
    expect(pending.clientOf('stored')).toBe('ann');
    pending.release('stored');
    pending.release('unknown');
    expect(pending.total()).toBe(0);
    expect(pending.clientOf('stored')).toBeUndefined();
  });

  it('counts every upload as at least 4 KB, so a flood of tiny files is capped too', () => {
    const { pending } = setup({ maxBytes: 10 * MIN_COUNTED_BYTES });
    let admitted = 0;
    while (pending.admit(`tiny-${admitted}`, 'ann', 1).ok) admitted += 1;
    expect(admitted).toBe(10);
  });

  it('counts bytes as they are received, not as declared: a silent upload holds only its minimum', () => {
    const { pending } = setup({ maxBytes: 100 * KB, maxBytesPerClient: 100 * KB });
    for (let i = 0; i < 20; i += 1) expect(pending.admit(`silent-${i}`, 'mallory').ok).toBe(true);
    expect(pending.total()).toBe(20 * MIN_COUNTED_BYTES);
    expect(pending.admit('honest', 'ann').ok).toBe(true);
    expect(pending.grow('honest', 10 * KB).ok).toBe(true);
  });

  it('gives each client a share: one client reaching it is refused while others still upload', () => {
    const { pending } = setup({ maxBytes: 100 * KB, maxBytesPerClient: 30 * KB });
    expect(pending.admit('m1', 'mallory').ok).toBe(true);
    expect(pending.grow('m1', 20 * KB).ok).toBe(true);
    expect(pending.grow('m1', 10 * KB)).toMatchObject({ ok: false, error: { scope: 'client' } });
    expect(pending.admit('m2', 'mallory')).toMatchObject({ ok: false, error: { scope: 'client' } });
    expect(pending.admit('a1', 'ann').ok).toBe(true);
    expect(pending.grow('a1', 20 * KB).ok).toBe(true);
  });

  it('gives each network (IPv4 /24, IPv6 /48) a share: rotating addresses within one block does not get past it', () => {
    const { pending } = setup({ maxBytes: 1000 * KB, maxBytesPerClient: 20 * KB, maxBytesPerNetwork: 50 * KB });
    for (let host = 1; host <= 2; host += 1) expect(pending.admit(`m${host}`, `203.0.113.${host}`, 20 * KB).ok).toBe(true);
    expect(pending.admit('m3', '203.0.113.3', 20 * KB)).toMatchObject({ ok: false, error: { scope: 'network' } });
    expect(pending.admit('other', '198.51.100.3', 20 * KB).ok).toBe(true);
    for (let net = 1; net <= 2; net += 1) expect(pending.admit(`v6-${net}`, `2001:0db8:00aa:000${net}::/64`, 20 * KB).ok).toBe(true);
    expect(pending.admit('v6-3', '2001:0db8:00aa:0003::/64', 20 * KB)).toMatchObject({ ok: false, error: { scope: 'network' } });
    expect(pending.admit('v6-other', '2001:0db8:00bb:0001::/64', 20 * KB).ok).toBe(true);
  });

  it('tells a refused client truthfully when enough of its uploads lapse', () => {
    const { clock, pending } = setup({ maxBytes: 1000 * KB, maxBytesPerClient: 30 * KB, maxBytesPerNetwork: 1000 * KB, holdMs: 60_000 });
    pending.set('a', 'ann', 20 * KB);
    clock.now = 10_000;
    pending.set('b', 'ann', 10 * KB);
    clock.now = 15_000;
    // 20 KB more needs a's 20 KB gone (b's 10 KB leaves room): a lapses at 60 s, 45 s from now.
    expect(pending.admit('c', 'ann', 20 * KB)).toEqual({ ok: false, error: { scope: 'client', retryAfterSeconds: 45 } });
    // 25 KB more needs both gone: b lapses at 70 s, 55 s from now.
    expect(pending.admit('c', 'ann', 25 * KB)).toEqual({ ok: false, error: { scope: 'client', retryAfterSeconds: 55 } });
    clock.now = 60_000;
    expect(pending.admit('c', 'ann', 20 * KB).ok).toBe(true);
  });

  it('stops counting an upload after the hold time (the sweep may have deleted it)', () => {
    const { clock, pending } = setup();
    pending.set('a', 'ann', 60 * KB);
    clock.now = 500;
    pending.set('b', 'bob', 40 * KB);
    clock.now = 999;
    expect(pending.admit('c', 'cat', 10 * KB).ok).toBe(false);
    clock.now = 1000;
    expect(pending.admit('c', 'cat', 10 * KB).ok).toBe(true);
    expect(pending.total()).toBe(50 * KB);
    clock.now = 1500;
    expect(pending.total()).toBe(10 * KB);
  });
});
