/**
 * Relay overhead, as ratios measured in one run: tickets created through the relay against tickets
 * posted straight to the fake Socialboards, and idempotent replays against fresh creations.
 * Loopback only; bounded by request count.
 */
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
    return { count, concurrency, directMs: direct, relayMs: viaRelay, replayMs: replay, ticketsStored: fake.state.tickets.length };
  } finally {
    await close();
  }
}
