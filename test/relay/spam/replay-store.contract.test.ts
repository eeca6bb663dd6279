/**
 * The contract of the used-challenge-token stores: in memory (one relay), in Redis (instances
 * scaled out: a real redis-server on a free loopback port, each store on a connection of its own)
 * and in Durable Objects (the relay on Workers, run in workerd), where two isolates' stores share
 * the same shards.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createDurableReplayStore } from '../../../src/relay/spam/durable-replay-store';
import { createReplayStore } from '../../../src/relay/spam/replay-store';
import type { ReplayStore } from '../../../src/relay/spam/replay-store';
import { useRedis } from '../../support/use-redis';
import { useDurableObjects } from '../../workers/use-durable-objects';

const namespaces = useDurableObjects();
const redisServer = useRedis();
let prefixes = 0;
/** Connections a test opened, closed after it. */
const connections: Redis[] = [];
afterEach(async () => {
  await Promise.all(connections.splice(0).map((connection) => connection.quit()));
});

/**
 * Lets `ms` pass for every key in Redis, which keeps its own time: each remaining lifetime (PTTL)
 * shrinks by `ms`, and a key whose time is up is deleted, as Redis would expire it.
 */
async function advanceRedis(ms: number) {
  const { client } = redisServer();
  for (const key of await client.keys('*')) {
    const left = await client.pttl(key);
    if (left < 0) continue;
    if (left <= ms) await client.del(key);
    else await client.pexpire(key, left - ms);
  }
}

interface Stores {
  store: ReplayStore;
  /** A second store on the same state: another relay instance, or another isolate. */
  other: ReplayStore;
  /** Lets time pass for the stores. */
  advance: (ms: number) => Promise<void>;
}

/** Each backend's stores on a clock of the test's (Redis: on the server's own, moved on by `advance`). */
const BACKENDS: [string, () => Promise<Stores>][] = [
  ['memory', async () => {
    const clock = { now: 1_000_000 };
    const store = createReplayStore({ now: () => clock.now });
    return { store, other: store, advance: async (ms) => void (clock.now += ms) };
  }],
  ['redis', async () => {
    // The server is this file's own: each test starts from an empty one.
    await redisServer().client.flushdb();
    const open = () => {
      const redis = new Redis(redisServer().url);
      connections.push(redis);
      return createReplayStore({ redis });
    };
    return { store: open(), other: open(), advance: advanceRedis };
  }],
  ['durable objects', async () => {
    const clock = { now: 1_000_000 };
    const options = { now: () => clock.now, shards: 4, prefix: `replay-test-${++prefixes}:` };
    return {
      store: createDurableReplayStore(namespaces('CHALLENGES'), options),
      other: createDurableReplayStore(namespaces('CHALLENGES'), options),
      advance: async (ms) => void (clock.now += ms),
    };
  }],
];

describe.each(BACKENDS)('the challenge replay store (%s)', (_name, setup) => {

  it('gives a token to the first submission that claims it, and each token on its own', async () => {
    const { store } = await setup();
    expect(await store.claim('token-a', 'key-1', 300)).toBe(true);
    expect(await store.claim('token-a', 'key-2', 300)).toBe(false);
    expect(await store.claim('token-b', 'key-2', 300)).toBe(true);
  });

  it('refuses a token in one store (isolate) that another store claimed for another submission', async () => {
    const { store, other } = await setup();
    expect(await store.claim('shared-token', 'key-1', 300)).toBe(true);
    expect(await other.claim('shared-token', 'key-2', 300)).toBe(false);
    expect(await other.heldBy('shared-token', 'key-1')).toBe(true);
    expect(await other.claim('shared-token', 'key-1', 300)).toBe(true);
  });

  it('gives exactly one of many parallel claims of a token', async () => {
    const { store, other } = await setup();
    const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? store : other).claim('raced', `key-${i}`, 300)));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('lets the submission that holds a token present it again (a retry), and says who holds it', async () => {
    const { store } = await setup();
    expect(await store.claim('token', 'key-1', 300)).toBe(true);
    expect(await store.claim('token', 'key-1', 300)).toBe(true);
    expect(await store.heldBy('token', 'key-1')).toBe(true);
    expect(await store.heldBy('token', 'key-2')).toBe(false);
    expect(await store.heldBy('unused', 'key-1')).toBe(false);
  });

  it('keeps a used token until it would have expired, then forgets it', async () => {
    const { store, advance } = await setup();
    expect(await store.claim('token', 'key-1', 120)).toBe(true);
    await advance(119_000);
    expect(await store.claim('token', 'key-2', 120)).toBe(false);
    await advance(2_000);
    expect(await store.claim('token', 'key-2', 120)).toBe(true);
  });

  it('keeps a token whose remaining lifetime is under a second for a second, not for ever', async () => {
    const { store, advance } = await setup();
    expect(await store.claim('almost-expired', 'key-1', 0.2)).toBe(true);
    expect(await store.claim('almost-expired', 'key-2', 0.2)).toBe(false);
    await advance(1_001);
    expect(await store.claim('almost-expired', 'key-2', 0.2)).toBe(true);
  });
});
