/** The submitter: what reaches the relay, which failures are retried and how, and what the widget is told. */
import { fail, ok } from '../../src/shared/result';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { newIdempotencyKey } from '../../src/submitter/idempotency-key';
import { parseRetryAfter } from '../../src/shared/retry-after';
import { createRelayCall, type RelayCallOptions } from '../../src/submitter/relay-call';
import { createSubmitter, TICKET_RETRY_MS } from '../../src/submitter/submit-ticket';
import type { TicketRequest } from '../../src/shared/ticket-request';

const RELAY = 'https://relay.example';
const KEY = '0123456789abcdef0123456789abcdef';
const REQUEST: TicketRequest = {
  title: 'New car price list.',
  message: 'Hello I want to buy a new car, how can I get a price list?',
  sentiment: 'question',
  creator: { name: 'Bill Smith', email: 'bill_smith@gmail.com' },
};

/** One answer from the fake relay: made fresh per call, since a Response body can be read once. */
type Answer = (init: RequestInit) => Response | Promise<Response>;

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => () =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
const html = (status: number, headers: Record<string, string> = {}): Answer => () =>
  new Response('<html><body><h1>Bad Gateway</h1></body></html>', { status, headers: { 'Content-Type': 'text/html', ...headers } });
const relayError = (status: number, code: string, headers: Record<string, string> = {}) =>
  json(status, { error: { code, message: 'English text for integrators.' } }, headers);
const created = (ticketId = 4711, headers: Record<string, string> = {}) => json(201, { ticketId }, headers);
const networkError: Answer = () => {
  throw new TypeError('Failed to fetch');
};
/** Like a request to a relay that never answers: pending until its signal aborts, as fetch does. */
const hang: Answer = (init) =>
  new Promise((_, reject) => {
    const abort = () => reject(new DOMException('The operation was aborted.', 'AbortError'));
    if (init.signal?.aborted) abort();
    init.signal?.addEventListener('abort', abort);
  });

/**
 * A submitter wired to a scripted relay. Answers are used in order; the last one repeats.
 * Sleeps are recorded and resolve at once; `random` defaults to the middle of its range.
 */
function harness(answers: Answer[], options: Partial<RelayCallOptions> = {}) {
  const calls: { url: string; init: RequestInit }[] = [];
  const delays: number[] = [];
  const retries: number[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const answer = answers[Math.min(calls.length, answers.length) - 1]!;
    return answer(init);
  }) as typeof globalThis.fetch;
  const submit = createSubmitter(
    createRelayCall({
      relay: RELAY,
      fetch,
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0.5,
      onRetry: (retry) => retries.push(retry),
      ...options,
    }),
  );
  const keysSent = () => calls.map(({ init }) => new Headers(init.headers).get('Idempotency-Key'));
  return { submit, calls, delays, retries, keysSent };
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('the request', () => {
  it('POSTs the ticket as JSON to {relay}/tickets with the Idempotency-Key', async () => {
    const { submit, calls } = harness([created()]);
    await submit(REQUEST, KEY);
    expect(calls).toHaveLength(1);
    const { url, init } = calls[0]!;
    const headers = new Headers(init.headers);
    expect(url).toBe('https://relay.example/tickets');
    expect(init.method).toBe('POST');
    expect(headers.get('Content-Type')).toBe('application/json');
    expect(headers.get('Idempotency-Key')).toBe(KEY);
    expect(JSON.parse(init.body as string)).toEqual(REQUEST);
  });

  it.each(['https://relay.example/', 'https://relay.example//', 'https://relay.example'])(
    'posts to one /tickets whatever the trailing slashes in %s',
    async (relay) => {
      const { submit, calls } = harness([created()], { relay });
      await submit(REQUEST, KEY);
      expect(calls[0]!.url).toBe('https://relay.example/tickets');
    },
  );

  it('keeps a relay path prefix', async () => {
    const { submit, calls } = harness([created()], { relay: 'https://example.com/support/relay/' });
    await submit(REQUEST, KEY);
    expect(calls[0]!.url).toBe('https://example.com/support/relay/tickets');
  });

  it('sends no cookies to the relay', async () => {
    const { submit, calls } = harness([created()]);
    await submit(REQUEST, KEY);
    expect(calls[0]!.init.credentials).toBe('omit');
  });
});

describe('success', () => {
  it('returns the ticket id from a 201', async () => {
    const { submit } = harness([created(4711)]);
    expect(await submit(REQUEST, KEY)).toEqual(ok({ ticketId: 4711 }));
  });

  it('takes a replayed answer for the same key like a fresh one', async () => {
    const { submit } = harness([created(4711, { 'Idempotent-Replayed': 'true' })]);
    expect(await submit(REQUEST, KEY)).toEqual(ok({ ticketId: 4711 }));
  });

  it.each([
    ['no ticket id', { id: 4711 }],
    ['a ticket id that is a string', { ticketId: '4711' }],
    ['a fractional ticket id', { ticketId: 47.11 }],
  ])('treats a 2xx with %s as a bad response', async (_, body) => {
    const { submit, calls } = harness([json(201, body)]);
    expect(await submit(REQUEST, KEY)).toEqual(fail({ code: 'bad_response' }));
    expect(calls).toHaveLength(1);
  });

  it('takes a 202 { queued, reference } as the relay keeping the ticket for Socialboards', async () => {
    const { submit, calls } = harness([json(202, { queued: true, reference: 'q_7Hk2' })]);
    expect(await submit(REQUEST, KEY)).toEqual(ok({ queued: true, reference: 'q_7Hk2' }));
    expect(calls).toHaveLength(1);
  });

  it.each([
    ['no reference', { queued: true }],
    ['a reference that is not text', { queued: true, reference: 7 }],
    ['queued that is not true', { queued: 'yes', reference: 'q_7Hk2' }],
  ])('treats a 202 with %s as a bad response', async (_, body) => {
    const { submit } = harness([json(202, body)]);
    expect(await submit(REQUEST, KEY)).toEqual(fail({ code: 'bad_response' }));
  });

  it('treats a 200 HTML page as a bad response', async () => {
    const { submit } = harness([html(200)]);
    expect(await submit(REQUEST, KEY)).toEqual(fail({ code: 'bad_response' }));
  });
});

describe('retries', () => {
  it.each([
    ['a network error', networkError, 'network'],
    ['a 500', relayError(500, 'internal'), 'internal'],
    ['a 502', relayError(502, 'upstream_unavailable'), 'upstream_unavailable'],
    ['a 503', html(503), 'upstream_unavailable'],
    ['a 504', relayError(504, 'upstream_timeout'), 'upstream_timeout'],
    ['a 408', html(408), 'bad_response'],
    ['a 429', relayError(429, 'rate_limited'), 'rate_limited'],
  ])('retries %s three times with the same Idempotency-Key, then returns its code', async (_, answer, code) => {
    const { submit, calls, retries, keysSent } = harness([answer]);
    expect(await submit(REQUEST, KEY)).toEqual(fail({ code }));
    expect(calls).toHaveLength(4);
    expect(keysSent()).toEqual([KEY, KEY, KEY, KEY]);
    expect(retries).toEqual([1, 2, 3]);
  });

  it('returns the ticket when a retry succeeds', async () => {
    const { submit, calls, keysSent } = harness([networkError, relayError(503, 'upstream_unavailable'), created(4711)]);
    expect(await submit(REQUEST, KEY)).toEqual(ok({ ticketId: 4711 }));
    expect(calls).toHaveLength(3);
    expect(keysSent()).toEqual([KEY, KEY, KEY]);
  });

  it('sends the same body on every attempt', async () => {
    const { submit, calls } = harness([networkError, created()]);
    await submit(REQUEST, KEY);
    expect(calls[1]!.init.body).toBe(calls[0]!.init.body);
  });

  it('returns the code of the last failure, not the first', async () => {
    const { submit } = harness([networkError, networkError, networkError, relayError(502, 'upstream_unavailable')]);
    expect(await submit(REQUEST, KEY)).toEqual(fail({ code: 'upstream_unavailable' }));
  });

  it('makes as many retries as configured', async () => {
    const { submit, calls } = harness([networkError], { retries: 1 });
    await submit(REQUEST, KEY);
    expect(calls).toHaveLength(2);
  });

  it.each([
    [400, 'validation'],
    [400, 'idempotency_key_missing'],
    [403, 'origin_not_allowed'],
    [413, 'payload_too_large'],
    [415, 'unsupported_media_type'],
    [409, 'submission_unresolved'],
    [422, 'idempotency_conflict'],
    [502, 'upstream_rejected'],
  ])('never retries a %i %s', async (status, code) => {
    const { submit, calls, delays, retries } = harness([relayError(status, code)]);
    expect(await submit(REQUEST, KEY)).toEqual(fail({ code }));
    expect(calls).toHaveLength(1);
    expect(delays).toEqual([]);
    expect(retries).toEqual([]);
  });
});

describe('backoff', () => {
  it.each([
    ['the least jitter', 0, [250, 500, 1000]],
    ['middle jitter', 0.5, [375, 750, 1500]],
    ['the most jitter', 0.999, [499.75, 999.5, 1999]],
  ])('doubles the wait after each failure, within [backoff/2, backoff], with %s', async (_, random, expected) => {
    const { submit, delays } = harness([networkError], { random: () => random });
    await submit(REQUEST, KEY);
    expect(delays).toEqual(expected);
  });

  it('caps the wait at 8 s', async () => {
    const { submit, delays } = harness([networkError], { retries: 6, random: () => 1 });
    await submit(REQUEST, KEY);
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
  });

  it('waits the number of seconds in Retry-After', async () => {
    const { submit, delays } = harness([relayError(429, 'rate_limited', { 'Retry-After': '2' }), created()]);
    expect(await submit(REQUEST, KEY)).toMatchObject({ ok: true });
    expect(delays).toEqual([2000]);
  });

  it('waits until the HTTP date in Retry-After', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-03-01T12:00:00Z'));
    const { submit, delays } = harness([
      relayError(503, 'upstream_unavailable', { 'Retry-After': 'Sat, 01 Mar 2025 12:00:10 GMT' }),
      created(),
    ]);
    expect(await submit(REQUEST, KEY)).toMatchObject({ ok: true });
    expect(delays).toEqual([10_000]);
  });

  it('gives up at once when Retry-After is longer than 30 s', async () => {
    const { submit, calls, delays } = harness([relayError(429, 'rate_limited', { 'Retry-After': '60' })]);
    expect(await submit(REQUEST, KEY)).toEqual(fail({ code: 'rate_limited', retryAfterMs: 60_000 }));
    expect(calls).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('tells the caller how long the relay asked to wait when retries run out', async () => {
    const { submit } = harness([relayError(429, 'rate_limited', { 'Retry-After': '1' })]);
    expect(await submit(REQUEST, KEY)).toEqual(fail({ code: 'rate_limited', retryAfterMs: 1000 }));
  });
});

describe('a ticket keeps trying across a relay restart', () => {
  /** The ticket's own policy, on a clock that the recorded waits move forward. */
  function ticketHarness(answers: Answer[], random: number) {
    let clock = 0;
    const started: number[] = [];
    const result = harness(
      answers.map((answer): Answer => (init) => {
        started.push(clock);
        return answer(init);
      }),
      {
        retries: Infinity,
        retryForMs: TICKET_RETRY_MS,
        random: () => random,
        now: () => clock,
        sleep: async (ms) => {
          result.delays.push(ms);
          clock += ms;
        },
      },
    );
    return { ...result, started };
  }

  it.each([
    ['the shortest waits', 0],
    ['the longest waits', 0.999],
  ])('retries for 30–60 s with one Idempotency-Key, with %s, then gives up', async (_, random) => {
    const { submit, started, keysSent, retries } = ticketHarness([networkError], random);
    expect(await submit(REQUEST, KEY)).toEqual(fail({ code: 'network' }));
    const last = started.at(-1)!;
    // The last attempt starts at least 30 s after the first, and never later than the window.
    expect(last).toBeGreaterThanOrEqual(30_000);
    expect(last).toBeLessThanOrEqual(TICKET_RETRY_MS);
    expect(new Set(keysSent())).toEqual(new Set([KEY]));
    expect(retries.length).toBe(started.length - 1);
    // Exponential, capped at 8 s: a relay back after a 5 s restart is reached within seconds.
    const gaps = started.slice(1).map((at, index) => at - started[index]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(8_000);
  });

  it('reaches a relay that was down for 20 s, with the same key', async () => {
    let clock = 0;
    const { submit, keysSent } = harness([(init) => (clock < 20_000 ? networkError(init) : created(4711)(init))], {
      retries: Infinity,
      retryForMs: TICKET_RETRY_MS,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    expect(await submit(REQUEST, KEY)).toEqual(ok({ ticketId: 4711 }));
    expect(clock).toBeGreaterThanOrEqual(20_000);
    expect(new Set(keysSent())).toEqual(new Set([KEY]));
  });

  it('waits what Retry-After asks within the window, and gives up when it reaches past it', async () => {
    let clock = 0;
    const delays: number[] = [];
    const { submit, calls } = harness([relayError(503, 'upstream_busy', { 'Retry-After': '20' })], {
      retries: Infinity,
      retryForMs: TICKET_RETRY_MS,
      now: () => clock,
      sleep: async (ms) => {
        delays.push(ms);
        clock += ms;
      },
    });
    expect(await submit(REQUEST, KEY)).toEqual(fail({ code: 'upstream_busy', retryAfterMs: 20_000 }));
    // 0 s, 20 s, 40 s; a fourth at 60 s would start after the window.
    expect(delays).toEqual([20_000, 20_000]);
    expect(calls).toHaveLength(3);
  });

  it('stops at once while the browser is offline: the outbox waits for the network instead', async () => {
    vi.stubGlobal('navigator', { onLine: false });
    const { submit, calls, delays } = harness([networkError], { retries: Infinity, retryForMs: TICKET_RETRY_MS });
    expect(await submit(REQUEST, KEY)).toEqual(fail({ code: 'network' }));
    expect(calls).toHaveLength(1);
    expect(delays).toEqual([]);
  });
});

describe('timeouts and cancelling', () => {
  it('ends an attempt that takes longer than timeoutMs with code timeout, and retries it', async () => {
    const { submit, calls, keysSent } = harness([hang], { timeoutMs: 20, retries: 1 });
    expect(await submit(REQUEST, KEY)).toEqual(fail({ code: 'timeout' }));
    expect(calls).toHaveLength(2);
    expect(keysSent()).toEqual([KEY, KEY]);
  });

  it('succeeds when the attempt after a timeout answers', async () => {
    const { submit } = harness([hang, created(4711)], { timeoutMs: 20 });
    expect(await submit(REQUEST, KEY)).toEqual(ok({ ticketId: 4711 }));
  });

  it('returns aborted and stops when the caller aborts during an attempt', async () => {
    const controller = new AbortController();
    const { submit, calls, delays } = harness([
      (init) => {
        const pending = hang(init);
        controller.abort();
        return pending;
      },
    ]);
    expect(await submit(REQUEST, KEY, controller.signal)).toEqual(fail({ code: 'aborted' }));
    expect(calls).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('returns aborted and stops when the caller aborts while waiting to retry', async () => {
    const controller = new AbortController();
    // The real wait: the abort must cut it short, not the backoff (375 ms and more) run out.
    const { submit, calls, retries } = harness([networkError], { sleep: undefined });
    setTimeout(() => controller.abort(), 10);
    expect(await submit(REQUEST, KEY, controller.signal)).toEqual(fail({ code: 'aborted' }));
    expect(calls).toHaveLength(1);
    expect(retries).toEqual([]);
  });

  it('sends nothing when the caller has already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { submit, calls } = harness([created()]);
    expect(await submit(REQUEST, KEY, controller.signal)).toEqual(fail({ code: 'aborted' }));
    expect(calls).toHaveLength(0);
  });
});

describe('error answers', () => {
  it('passes the fields of a validation error through, with their limits', async () => {
    const { submit } = harness([
      json(400, {
        error: {
          code: 'validation',
          message: 'Invalid fields: creator.email, title.',
          fields: [
            { path: 'creator.email', code: 'invalid_email', message: 'Enter an email address like name@example.com.' },
            { path: 'title', code: 'too_long', limit: 200, message: 'Use at most 200 characters.' },
          ],
        },
      }),
    ]);
    expect(await submit(REQUEST, KEY)).toEqual(
      fail({
        code: 'validation',
        fields: [
          { path: 'creator.email', code: 'invalid_email' },
          { path: 'title', code: 'too_long', limit: 200 },
        ],
      }),
    );
  });

  it('drops field entries that are not well formed', async () => {
    const { submit } = harness([
      json(400, {
        error: { code: 'validation', message: '…', fields: [null, 'title', { path: 7, code: 'required' }, { path: 'title', code: 'required' }] },
      }),
    ]);
    expect(await submit(REQUEST, KEY)).toEqual(fail({ code: 'validation', fields: [{ path: 'title', code: 'required' }] }));
  });

  it.each([
    ['an HTML 502', html(502), 'upstream_unavailable'],
    ['an HTML 504', html(504), 'upstream_timeout'],
    ['an HTML 429', html(429), 'rate_limited'],
    ['an HTML 413', html(413), 'payload_too_large'],
    ['an HTML 418', html(418), 'bad_response'],
    ['an empty 500', () => new Response(null, { status: 500 }), 'upstream_unavailable'],
    ['a 502 with an unknown code', relayError(502, 'teapot'), 'upstream_unavailable'],
    ['a 400 whose error is not an object', json(400, { error: 'nope' }), 'bad_response'],
  ])('maps %s by its status', async (_, answer, code) => {
    const { submit } = harness([answer], { retries: 0 });
    expect(await submit(REQUEST, KEY)).toEqual(fail({ code }));
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');
  it.each([
    ['seconds', '120', 120_000],
    ['zero seconds', '0', 0],
    ['seconds with spaces', ' 5 ', 5000],
    ['an HTTP date', 'Sat, 01 Mar 2025 12:00:30 GMT', 30_000],
    ['an HTTP date in the past', 'Sat, 01 Mar 2025 11:59:00 GMT', 0],
    ['nothing', null, undefined],
    ['an empty value', '', undefined],
    ['garbage', 'soon', undefined],
    ['a negative number, which Date.parse would take for a year', '-5', undefined],
  ])('reads %s', (_, value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('newIdempotencyKey', () => {
  it('makes 32 hex characters', () => {
    expect(newIdempotencyKey()).toMatch(/^[0-9a-f]{32}$/);
  });

  it('makes a different key each call', () => {
    const keys = new Set(Array.from({ length: 100 }, newIdempotencyKey));
    expect(keys.size).toBe(100);
  });
});
