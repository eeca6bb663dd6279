import { describe, expect, it } from 'vitest';
import { createPendingBytes, MIN_COUNTED_BYTES } from '../../../src/relay/attachments/pending-bytes';

const KB = 1024;

function setup(maxBytes = 100 * KB, holdMs = 1000) {
  const clock = { now: 0 };
  return { clock, pending: createPendingBytes({ maxBytes, holdMs, now: () => clock.now }) };
}

describe('pending bytes', () => {
  it('admits uploads up to the cap, and none past it', () => {
    const { pending } = setup();
    expect(pending.admit('a', 60 * KB)).toBe(true);
    expect(pending.admit('b', 40 * KB)).toBe(true);
    expect(pending.admit('c', 1)).toBe(false);
    expect(pending.total()).toBe(100 * KB);
  });

  it('replaces an estimate with the real size, and forgets released uploads', () => {
    const { pending } = setup();
    expect(pending.admit('receiving', 90 * KB)).toBe(true);
    pending.release('receiving');
    pending.set('stored', 30 * KB);
    pending.set('stored', 20 * KB);
    expect(pending.total()).toBe(20 * KB);
    pending.release('stored');
    pending.release('unknown');
    expect(pending.total()).toBe(0);
  });

  it('counts every upload as at least 4 KB, so a flood of tiny files is capped too', () => {
    const { pending } = setup(10 * MIN_COUNTED_BYTES);
    let admitted = 0;
    while (pending.admit(`tiny-${admitted}`, 1)) admitted += 1;
    expect(admitted).toBe(10);
  });

  it('stops counting an upload after the hold time (the sweep may have deleted it)', () => {
    const { clock, pending } = setup(100 * KB, 1000);
    pending.set('a', 60 * KB);
    clock.now = 500;
    pending.set('b', 40 * KB);
    clock.now = 999;
    expect(pending.admit('c', 10 * KB)).toBe(false);
    clock.now = 1000;
    expect(pending.admit('c', 10 * KB)).toBe(true);
    expect(pending.total()).toBe(50 * KB);
    clock.now = 1500;
    expect(pending.total()).toBe(10 * KB);
  });
});
