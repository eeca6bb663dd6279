import { afterEach, describe, expect, it, vi } from 'vitest';
import { isTimeout } from '../../src/relay/upstream/fetch-errors';
import { timeLimit } from '../../src/relay/upstream/time-limit';

describe('timeLimit', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts its signal with a TimeoutError when the time is up, as AbortSignal.timeout does', () => {
    vi.useFakeTimers();
    const { signal } = timeLimit(1000);
    vi.advanceTimersByTime(999);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(signal.aborted).toBe(true);
    expect(isTimeout(signal.reason)).toBe(true);
  });

  it('clears its timer when done, and never aborts after', () => {
    vi.useFakeTimers();
    const { signal, done } = timeLimit(1000);
    expect(vi.getTimerCount()).toBe(1);
    done();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(signal.aborted).toBe(false);
  });
});
