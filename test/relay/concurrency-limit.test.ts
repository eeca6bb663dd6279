import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QUEUE_CAPACITY, concurrencyLimit } from '../../src/relay/middleware/concurrency-limit';
import type { RelayEnv } from '../../src/relay/relay-env';
import { captureLogs } from './helpers';

/** An app whose every request runs until the test lets it finish, in the bound under test. */
function setup({ max, queueMs }: { max: number; queueMs: number }) {
  const logs = captureLogs();
  const started: string[] = [];
  const finishers = new Map<string, (outcome: 'ok' | 'throw') => void>();
  const app = new Hono<RelayEnv>();
  app.use(concurrencyLimit({ max, queueMs, log: logs.log }));
  app.get('/:name', async (c) => {
    const name = c.req.param('name');
    started.push(name);
    // Names starting with "w" finish at once: a long line goes through without a step each.
    if (name.startsWith('w')) return c.text(name);
    const outcome = await new Promise<'ok' | 'throw'>((resolve) => finishers.set(name, resolve));
    if (outcome === 'throw') throw new Error(`${name} failed`);
    return c.text(name);
  });
  app.onError((_error, c) => c.text('failed', 500));
  const request = (name: string, init: RequestInit = {}) => app.request(`/${name}`, init);
  const finish = (name: string, outcome: 'ok' | 'throw' = 'ok') => finishers.get(name)?.(outcome);
  return { request, finish, started, logs };
}

/** Lets every settled promise's continuations run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

afterEach(() => {
  vi.useRealTimers();
});

describe('concurrencyLimit', () => {
  it('runs at most max at once and lets the waiting ones in, in the order they came', async () => {
    const { request, finish, started } = setup({ max: 2, queueMs: 5000 });
    const answers = ['a', 'b', 'c', 'd', 'e'].map((name) => request(name));
    await settle();
    expect(started).toEqual(['a', 'b']);
    finish('b');
    await settle();
    expect(started).toEqual(['a', 'b', 'c']);
    // A failed request gives its place back too.
    finish('a', 'throw');
    await settle();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    finish('c');
    finish('d');
    await settle();
    finish('e');
    expect((await Promise.all(answers)).map((answer) => answer.status)).toEqual([500, 200, 200, 200, 200]);
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('answers 503 upstream_busy with Retry-After once the wait runs out, and that request never runs', async () => {
    const { request, finish, started, logs } = setup({ max: 1, queueMs: 1500 });
    const first = request('first');
    await settle();
    vi.useFakeTimers();
    const waiting = request('second');
    await vi.advanceTimersByTimeAsync(1499);
    expect(started).toEqual(['first']);
    await vi.advanceTimersByTimeAsync(1);
    vi.useRealTimers();
    const refused = await waiting;
    expect(refused.status).toBe(503);
    expect(refused.headers.get('Retry-After')).toBe('2');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('upstream_busy');
    expect(logs.records().filter((record) => record.level === 'warn')).toHaveLength(1);
    // The place it waited for goes to the next one, not to the request that gave up.
    const third = request('third');
    finish('first');
    await settle();
    expect(started).toEqual(['first', 'third']);
    finish('third');
    expect((await first).status).toBe(200);
    expect((await third).status).toBe(200);
  });

  it('answers at once when nothing may wait (queueMs 0), or when the line is full', async () => {
    const none = setup({ max: 1, queueMs: 0 });
    const held = none.request('held');
    await settle();
    expect((await none.request('next')).status).toBe(503);
    none.finish('held');
    await held;

    const full = setup({ max: 1, queueMs: 60_000 });
    const running = full.request('running');
    await settle();
    const line = Array.from({ length: QUEUE_CAPACITY }, (_, i) => full.request(`w${i}`));
    await settle();
    const past = await full.request('past');
    expect(past.status).toBe(503);
    // Those in the line still get their turn, one after another.
    full.finish('running');
    expect((await Promise.all(line)).every((answer) => answer.status === 200)).toBe(true);
    expect((await running).status).toBe(200);
    expect(full.started).toHaveLength(QUEUE_CAPACITY + 1);
  });

  it('answers a waiter whose visitor left at once, freeing its place in a full line', async () => {
    const { request, finish, started } = setup({ max: 1, queueMs: 60_000 });
    const held = request('held');
    await settle();
    const leaving = new AbortController();
    const line = Array.from({ length: QUEUE_CAPACITY - 1 }, (_, i) => request(`w${i}`));
    const gone = request('gone', { signal: leaving.signal });
    await settle();
    // The line is full: one more is turned away at once.
    expect((await request('w-past')).status).toBe(503);
    leaving.abort();
    // Answered without waiting for its turn, and its place in the line is free for another.
    expect((await gone).status).toBe(503);
    const late = request('w-late');
    await settle();
    finish('held');
    expect((await late).status).toBe(200);
    expect((await Promise.all(line)).every((answer) => answer.status === 200)).toBe(true);
    expect((await held).status).toBe(200);
    expect(started).not.toContain('gone');
    expect(started.at(-1)).toBe('w-late');
  });

  it('does not run a waiting request whose client left, and passes its turn on', async () => {
    const { request, finish, started } = setup({ max: 1, queueMs: 5000 });
    const first = request('first');
    await settle();
    const leaving = new AbortController();
    const gone = request('gone', { signal: leaving.signal });
    const next = request('next');
    await settle();
    leaving.abort();
    finish('first');
    await settle();
    expect(started).toEqual(['first', 'next']);
    expect((await gone).status).toBe(503);
    finish('next');
    expect((await next).status).toBe(200);
    expect((await first).status).toBe(200);
  });
});
