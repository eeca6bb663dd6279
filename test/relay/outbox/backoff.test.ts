/** The outbox's retry schedule and references, as pure functions. */
import { describe, expect, it } from 'vitest';
import { backoffDelay, referenceOf, retryDelay } from '../../../src/relay/outbox/outbox-store';

const BACKOFF = { maxAttempts: 20, baseMs: 5000, maxMs: 600_000, lookupDelayMs: 15_000 };

describe('backoffDelay', () => {
  it.each([
    [1, 5000],
    [2, 10_000],
    [3, 20_000],
    [7, 320_000],
    [8, 600_000],
    [20, 600_000],
  ])('after failure %i waits between half and all of %i ms', (attempt, full) => {
    expect(backoffDelay(attempt, BACKOFF, () => 0)).toBe(full / 2);
    expect(backoffDelay(attempt, BACKOFF, () => 1)).toBe(full);
    expect(backoffDelay(attempt, BACKOFF, () => 0.5)).toBe(0.75 * full);
  });

  it('waits at least the lookup delay after an ambiguous attempt, and the backoff when longer', () => {
    expect(retryDelay(1, true, BACKOFF, () => 1)).toBe(15_000);
    expect(retryDelay(1, false, BACKOFF, () => 1)).toBe(5000);
    expect(retryDelay(5, true, BACKOFF, () => 1)).toBe(80_000);
  });
});

describe('referenceOf', () => {
  it('is the same for one key, different for another, short and readable', () => {
    const key = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
    expect(referenceOf(key)).toBe(referenceOf(key));
    expect(referenceOf(key)).toMatch(/^Q-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/);
    expect(referenceOf(`${key}x`)).not.toBe(referenceOf(key));
  });
});
