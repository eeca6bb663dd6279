/** Rate limits in Durable Objects (workerd, through miniflare): every Worker isolate counts in the same windows. */
import { describe, expect, it } from 'vitest';
import { createDurableLimiterFactory } from '../../src/relay/limits/durable-rate-limits';
import type { Logger } from '../../src/relay/log';
import { useDurableObjects } from './use-durable-objects';

const namespaces = useDurableObjects();
const clock = { now: 1_000_000 };
const errors: string[] = [];
const log: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (msg) => errors.push(msg) };

let prefixes = 0;
/** Two isolates' limiters for the same limit, as two Worker instances would build them. */
function twoIsolates(spec: { points: number; seconds: number }[]) {
  const options = { log, now: () => clock.now, shards: 4, prefix: `test-${++prefixes}:` };
  return [createDurableLimiterFactory(namespaces('RATE_LIMITS'), options)('tickets', spec), createDurableLimiterFactory(namespaces('RATE_LIMITS'), options)('tickets', spec)] as const;
}

describe('rate limits in Durable Objects', () => {
  it('counts two isolates together, and refuses past the limit until the window ends', async () => {
    const [a, b] = twoIsolates([{ points: 3, seconds: 60 }]);
    expect((await a.consume('client-1')).ok).toBe(true);
    expect((await b.consume('client-1')).ok).toBe(true);
    expect((await a.consume('client-1')).ok).toBe(true);
    clock.now += 20_000;
    expect(await b.consume('client-1')).toEqual({ ok: false, error: { retryAfterSeconds: 40 } });
    // Another client has its own allowance.
    expect((await b.consume('client-2')).ok).toBe(true);
    clock.now += 40_000;
    expect((await a.consume('client-1')).ok).toBe(true);
    expect(errors).toEqual([]);
  });

  it('refuses when any window is full, and gives refunded points back', async () => {
    const [a, b] = twoIsolates([
      { points: 100, seconds: 60 },
      { points: 5, seconds: 3600 },
    ]);
    expect((await a.consume('client-1', 5)).ok).toBe(true);
    expect((await b.consume('client-1')).ok).toBe(false);
    await a.refund('client-1', 3);
    expect((await b.consume('client-1', 2)).ok).toBe(true);
    expect((await a.consume('client-1')).ok).toBe(false);
  });
});
