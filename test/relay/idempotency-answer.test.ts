/** What the idempotency middleware stores of an answer, whichever way the handler made it. */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { describe, expect, it } from 'vitest';
import { jsonAnswer } from '../../src/relay/json-answer';
import { createLogger } from '../../src/relay/log';
import { idempotency } from '../../src/relay/middleware/idempotency';
import type { IdempotencyEnv } from '../../src/relay/middleware/idempotency';
import { createMemoryIdempotencyStore } from '../../src/relay/stores/memory-idempotency-store';

const appAnswering = (answer: (c: Context<IdempotencyEnv>) => Response) => {
  let calls = 0;
  const app = new Hono<IdempotencyEnv>().post(
    '/',
    idempotency<IdempotencyEnv>({
      store: createMemoryIdempotencyStore({ ttlMs: 60_000 }),
      fingerprint: async () => 'same',
      resolvesUncertain: false,
      maxWaitMs: 1000,
      now: Date.now,
      log: createLogger({ level: 'silent' }),
    }),
    (c) => {
      calls += 1;
      return answer(c);
    },
  );
  return { app, calls: () => calls };
};

const post = (app: Hono<IdempotencyEnv>) => app.request('/', { method: 'POST', headers: { 'Idempotency-Key': 'key-0123456789abcdef' } });

describe('idempotency: the stored answer', () => {
  it.each([
    ['a JSON answer that keeps its text', (c: Context<IdempotencyEnv>) => jsonAnswer(c, { ticketId: 5 }, 201)],
    ['an answer whose body it reads back', (c: Context<IdempotencyEnv>) => c.text('{"ticketId":5}', 201, { 'Content-Type': 'application/json' })],
  ])('gives the visitor %s whole, and replays it the same', async (_name, answer) => {
    const { app, calls } = appAnswering(answer);
    const first = await post(app);
    expect([first.status, first.headers.get('content-type'), await first.text()]).toEqual([201, 'application/json', '{"ticketId":5}']);
    const again = await post(app);
    expect([again.status, again.headers.get('content-type'), again.headers.get('idempotent-replayed'), await again.text()]).toEqual([
      201,
      'application/json',
      'true',
      '{"ticketId":5}',
    ]);
    expect(calls()).toBe(1);
  });
});
