import { afterEach, describe, expect, it, vi } from 'vitest';
import { createReplayStore } from '../../../src/relay/spam/replay-store';

afterEach(() => vi.useRealTimers());

describe('the challenge replay store', () => {
  it('accepts a token once, and each token on its own', async () => {
    const store = createReplayStore();
    expect(await store.firstUse('token-a', 300)).toBe(true);
    expect(await store.firstUse('token-a', 300)).toBe(false);
    expect(await store.firstUse('token-b', 300)).toBe(true);
  });

  it('keeps a used token until it would have expired, then forgets it', async () => {
    vi.useFakeTimers();
    const store = createReplayStore();
    expect(await store.firstUse('token', 120)).toBe(true);
    vi.advanceTimersByTime(119_000);
    expect(await store.firstUse('token', 120)).toBe(false);
    vi.advanceTimersByTime(2_000);
    expect(await store.firstUse('token', 120)).toBe(true);
  });

  it('keeps a token whose remaining lifetime is under a second for a second, not for ever', async () => {
    vi.useFakeTimers();
    const store = createReplayStore();
    expect(await store.firstUse('almost-expired', 0.2)).toBe(true);
    expect(await store.firstUse('almost-expired', 0.2)).toBe(false);
    vi.advanceTimersByTime(1_001);
    expect(await store.firstUse('almost-expired', 0.2)).toBe(true);
  });
});
