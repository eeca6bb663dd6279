/**
 * Relay overhead, as ratios measured in one run: tickets created through the relay against tickets
 * posted straight to the fake Socialboards, idempotent replays against fresh creations, and the
 * durable idempotency store (the SQLite file, the default) against the in-memory one (issue 9).
 * Loopback only; bounded by request count.
 */
import { createMemoryIdempotencyStore } from '../../src/relay/stores/memory-idempotency-store';
import { ORIGIN, startBenchStack } from './bench-stack';

const BODY = {
  title: 'New car price list.',
  message: 'Hello I want to buy a new car, how can I get a price list?',
  sentiment: 'question',
  creator: { name: 'Bill Smith', email: 'bill_smith@gmail.com' },
};

/** Runs `count` calls of `task`, `concurrency` at a time; returns the elapsed milliseconds. */
async function timed(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
  return performance.now() - started;
}

async function ok(response: Response) {
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
  await response.arrayBuffer();
}

export async function relayThroughput(count = 400, concurrency = 8) {
  const { fake, relay, auth, close } = await startBenchStack();
  // The same relay over the in-memory store (tests only, since it forgets keys on a restart), for the store's cost.
  const memory = await startBenchStack({}, { idempotencyStore: createMemoryIdempotencyStore({ ttlMs: 86_400_000 }) });
  try {
    const upstreamBody = JSON.stringify({
      ...BODY,
      isHtml: false,
      sourceName: 'bench',
      categoryId: null,
      assigneeId: null,
      tags: [],
      cc: [],
      creator: { ...BODY.creator, customIdentifier: null, image: null, phoneNumber: null },
      customFields: [],
      attachments: [],
    });
    const post = (url: string, headers: Record<string, string>, body: string) =>
      fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body }).then(ok);
    const relayHeaders = (key: string) => ({ Origin: ORIGIN, 'Idempotency-Key': key });
    const body = JSON.stringify(BODY);
    const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;

    // Warm up both paths (token fetch, JIT), then measure.
    await timed(40, concurrency, () => post(`${fake.url}/tickets`, auth, upstreamBody));
    await timed(40, concurrency, (i) => post(`${relay.url}/tickets`, relayHeaders(`warm-${run}-${i}`), body));

    const direct = await timed(count, concurrency, () =>
      post(`${fake.url}/tickets`, auth, upstreamBody),
    );
    const viaRelay = await timed(count, concurrency, (i) => post(`${relay.url}/tickets`, relayHeaders(`bench-${run}-${i}`), body));
    const replay = await timed(count, concurrency, (i) => post(`${relay.url}/tickets`, relayHeaders(`bench-${run}-${i}`), body));
    const ticketsStored = fake.state.tickets.length;

    // SQLite file against memory: in alternating halves, so a machine that gets busier mid-run weighs on both alike.
    await timed(40, concurrency, (i) => post(`${memory.relay.url}/tickets`, relayHeaders(`warm-memory-${run}-${i}`), body));
    const stores = { sqliteMs: 0, memoryMs: 0 };
    for (const half of [0, 1]) {
      const key = (store: string) => (i: number) => relayHeaders(`store-${store}-${run}-${half}-${i}`);
      const sqliteKey = key('sqlite');
      const memoryKey = key('memory');
      stores.sqliteMs += await timed(count / 2, concurrency, (i) => post(`${relay.url}/tickets`, sqliteKey(i), body));
      stores.memoryMs += await timed(count / 2, concurrency, (i) => post(`${memory.relay.url}/tickets`, memoryKey(i), body));
    }
    return { count, concurrency, directMs: direct, relayMs: viaRelay, replayMs: replay, ticketsStored, stores };
  } finally {
    await memory.close();
    await close();
  }
}
