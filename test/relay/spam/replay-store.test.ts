import { describe, expect, it } from 'vitest';
import { createReplayStore } from '../../../src/relay/spam/replay-store';

function setup() {
  const clock = { now: 1_000_000 };
  return { clock, store: createReplayStore({ now: () => clock.now }) };
}

describe('the challenge replay store', () => {
  it('gives a token to the first submission that claims it, and each token on its own', async () => {
    const { store } = setup();
    expect(await store.claim('token-a', 'key-1', 300)).toBe(true);
    expect(await store.claim('token-a', 'key-2', 300)).toBe(false);
    expect(await store.claim('token-b', 'key-2', 300)).toBe(true);
  });

  it('lets the submission that holds a token present it again (a retry), and says who holds it', async () => {
    const { store } = setup();
    expect(await store.claim('token', 'key-1', 300)).toBe(true);
    expect(await store.claim('token', 'key-1', 300)).toBe(true);
    expect(await store.heldBy('token', 'key-1')).toBe(true);
    expect(await store.heldBy('token', 'key-2')).toBe(false);
    expect(await store.heldBy('unused', 'key-1')).toBe(false);
  });

  it('keeps a used token until it would have expired, then forgets it', async () => {
    const { store, clock } = setup();
    expect(await store.claim('token', 'key-1', 120)).toBe(true);
    clock.now += 119_000;
    expect(await store.claim('token', 'key-2', 120)).toBe(false);
    clock.now += 2_000;
    expect(await store.claim('token', 'key-2', 120)).toBe(true);
  });

  it('keeps a token whose remaining lifetime is under a second for a second, not for ever', async () => {
    const { store, clock } = setup();
    expect(await store.claim('almost-expired', 'key-1', 0.2)).toBe(true);
    expect(await store.claim('almost-expired', 'key-2', 0.2)).toBe(false);
    clock.now += 1_001;
    expect(await store.claim('almost-expired', 'key-2', 0.2)).toBe(true);
  });
});
