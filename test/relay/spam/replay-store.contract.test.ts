/**
 * The contract of the used-challenge-token stores: in memory (one relay), and in Durable Objects
 * (the relay on Workers, run in workerd), where two isolates' stores share the same shards.
 */
import { describe, expect, it } from 'vitest';
import { createDurableReplayStore } from '../../../src/relay/spam/durable-replay-store';
import { createReplayStore } from '../../../src/relay/spam/replay-store';
import type { ReplayStore } from '../../../src/relay/spam/replay-store';
import { useDurableObjects } from '../../workers/use-durable-objects';

const namespaces = useDurableObjects();
let prefixes = 0;

/** Each backend's store on a clock of the test's; `other` is a second store on the same state (another isolate). */
const BACKENDS: [string, (now: () => number) => { store: ReplayStore; other: ReplayStore }][] = [
  ['memory', (now) => {
    const store = createReplayStore({ now });
    return { store, other: store };
  }],
  ['durable objects', (now) => {
    const options = { now, shards: 4, prefix: `replay-test-${++prefixes}:` };
    return { store: createDurableReplayStore(namespaces('CHALLENGES'), options), other: createDurableReplayStore(namespaces('CHALLENGES'), options) };
  }],
];

describe.each(BACKENDS)('the challenge replay store (%s)', (_name, create) => {
  function setup() {
    const clock = { now: 1_000_000 };
    return { clock, ...create(() => clock.now) };
  }

  it('gives a token to the first submission that claims it, and each token on its own', async () => {
    const { store } = setup();
    expect(await store.claim('token-a', 'key-1', 300)).toBe(true);
    expect(await store.claim('token-a', 'key-2', 300)).toBe(false);
    expect(await store.claim('token-b', 'key-2', 300)).toBe(true);
  });

  it('refuses a token in one store (isolate) that another store claimed for another submission', async () => {
    const { store, other } = setup();
    expect(await store.claim('shared-token', 'key-1', 300)).toBe(true);
    expect(await other.claim('shared-token', 'key-2', 300)).toBe(false);
    expect(await other.heldBy('shared-token', 'key-1')).toBe(true);
    expect(await other.claim('shared-token', 'key-1', 300)).toBe(true);
  });

  it('gives exactly one of many parallel claims of a token', async () => {
    const { store, other } = setup();
    const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? store : other).claim('raced', `key-${i}`, 300)));
    expect(claims.filter(Boolean)).toHaveLength(1);
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
