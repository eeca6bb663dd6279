import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_ID, ORIGIN, REFRESH_TOKEN, newKey, startHarness } from './harness';
import type { Harness } from './harness';

const SEED = {
  title: 'New car price list.',
  message: 'Hello I want to buy a new car, how can I get a price list?',
  sentiment: 'question',
  creator: { name: 'Bill Smith', email: 'bill_smith@gmail.com' },
};

// Without the outbox: these pin the answer to each upstream failure (outbox.test.ts: with it, they are queued).
const PINNED_ENV = { RELAY_SOURCE_NAME: 'Shop contact form', RELAY_CATEGORY_ID: '15597', RELAY_TAGS: 'web,widget', RELAY_OUTBOX: 'false' };

const errorOf = async (response: Response) => ((await response.json()) as { error: Record<string, unknown> }).error;
const count = (requests: { method: string; path: string }[], path: string) =>
  requests.filter((request) => request.method === 'POST' && request.path === path).length;

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('relay → fake Socialboards over HTTP', () => {
  beforeEach(async () => {
    h = await startHarness(PINNED_ENV);
  });

  it('listens on an ephemeral 127.0.0.1 port and answers /healthz', async () => {
    expect(h.relay.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await h.send('/healthz');
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(await h.fakeRequests()).toEqual([]);
  });

  it('delivers the seed example with exactly its values, isHtml false and the pinned fields', async () => {
    const response = await h.post(SEED);
    expect(response.status).toBe(201);
    const { ticketId } = (await response.json()) as { ticketId: number };
    const tickets = await h.fakeTickets();
    expect(tickets).toHaveLength(1);
    expect(tickets[0]?.id).toBe(ticketId);
    expect(tickets[0]?.body).toEqual({
      title: 'New car price list.',
      message: 'Hello I want to buy a new car, how can I get a price list?',
      isHtml: false,
      sentiment: 'question',
      sourceName: 'Shop contact form',
      categoryId: 15597,
      assigneeId: null,
      tags: ['web', 'widget'],
      cc: [],
      creator: { name: 'Bill Smith', email: 'bill_smith@gmail.com', customIdentifier: null, image: null, phoneNumber: null },
      customFields: [],
      attachments: [],
    });
  });

  it('gets an access token once for several tickets', async () => {
    for (let i = 0; i < 3; i += 1) expect((await h.post({ ...SEED, title: `Ticket ${i}` })).status).toBe(201);
    const requests = await h.fakeRequests();
    expect(count(requests, '/token')).toBe(1);
    expect(count(requests, '/tickets')).toBe(3);
  });

  it('refreshes the token and retries once after Socialboards revokes it, storing the ticket once', async () => {
    expect((await h.post(SEED)).status).toBe(201);
    await h.fault({ kind: 'expire-token' });
    const response = await h.post({ ...SEED, title: 'After expiry' });
    expect(response.status).toBe(201);
    const requests = await h.fakeRequests();
    expect(requests.map((request) => `${request.path} ${request.status}`)).toEqual([
      '/token 200',
      '/tickets 200',
      '/tickets 401',
      '/token 200',
      '/tickets 200',
    ]);
    const titles = (await h.fakeTickets()).map((ticket) => ticket.body.title);
    expect(titles.filter((title) => title === 'After expiry')).toHaveLength(1);
  });

  it('answers an upstream 500 with 502 upstream_unavailable, and never sends that submission again blindly', async () => {
    await h.fault({ kind: 'error', path: '/tickets' });
    const key = newKey();
    const failed = await h.post(SEED, { key });
    expect(failed.status).toBe(502);
    expect(await errorOf(failed)).toMatchObject({ code: 'upstream_unavailable' });

    // A 500 may come after the ticket was created: without a submission key field to look it up
    // by, the relay holds the key unresolved rather than risk a second ticket.
    const retry = await h.post(SEED, { key });
    expect(retry.status).toBe(409);
    expect(await errorOf(retry)).toMatchObject({ code: 'submission_unresolved' });
    expect(count(await h.fakeRequests(), '/tickets')).toBe(1);
  });

  it('answers a token endpoint failure with 502 upstream_unavailable', async () => {
    await h.fault({ kind: 'error', path: '/token' });
    const response = await h.post(SEED);
    expect(response.status).toBe(502);
    expect(await errorOf(response)).toMatchObject({ code: 'upstream_unavailable' });
    expect(count(await h.fakeRequests(), '/tickets')).toBe(0);
  });

  it('refuses another origin with 403 before anything reaches Socialboards', async () => {
    const response = await h.post(SEED, { origin: 'https://evil.example' });
    expect(response.status).toBe(403);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(await errorOf(response)).toMatchObject({ code: 'origin_not_allowed' });
    expect(await h.fakeRequests()).toEqual([]);
  });

  it('answers a preflight from the allowed origin', async () => {
    const response = await h.send('/tickets', {
      method: 'OPTIONS',
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,idempotency-key' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe(ORIGIN);
    expect(response.headers.get('Access-Control-Allow-Headers')?.split(',').map((name) => name.trim())).toEqual(['Content-Type', 'Idempotency-Key', 'If-None-Match']);
  });

  it('replays a sequential duplicate Idempotency-Key: one ticket, same id, marked replayed', async () => {
    const key = newKey();
    const first = await h.post(SEED, { key });
    const second = await h.post(SEED, { key });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(await second.json()).toEqual(await first.json());
    expect(first.headers.get('Idempotent-Replayed')).toBeNull();
    expect(second.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await h.fakeTickets()).toHaveLength(1);
  });

  it('holds a concurrent duplicate until the first answers: one ticket, same id twice', async () => {
    await h.fault({ kind: 'slow', delayMs: 300, path: '/tickets' });
    const key = newKey();
    const [a, b] = await Promise.all([h.post(SEED, { key }), h.post(SEED, { key })]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const ids = [await a.json(), await b.json()];
    expect(ids[0]).toEqual(ids[1]);
    expect([a.headers.get('Idempotent-Replayed'), b.headers.get('Idempotent-Replayed')].sort()).toEqual([null, 'true'].sort());
    expect(await h.fakeTickets()).toHaveLength(1);
    expect(count(await h.fakeRequests(), '/tickets')).toBe(1);
  });

  it('stores an accepted ticket whose answer has no usable id: 4 posts with one key make 1 upstream call', async () => {
    // Every answer malformed, as when Socialboards changes its answer's shape: each call would create a ticket.
    await h.fault({ kind: 'malformed', path: '/tickets', count: 4 });
    const key = newKey();
    const answers = [];
    for (let attempt = 0; attempt < 4; attempt += 1) answers.push(await h.post(SEED, { key }));
    expect(answers.map((answer) => answer.status)).toEqual([502, 502, 502, 502]);
    const codes = await Promise.all(answers.map(async (answer) => (await errorOf(answer)).code));
    expect(codes).toEqual(Array(4).fill('upstream_unconfirmed'));
    expect(answers.map((answer) => answer.headers.get('Idempotent-Replayed'))).toEqual([null, 'true', 'true', 'true']);
    expect(count(await h.fakeRequests(), '/tickets')).toBe(1);
    expect(await h.fakeTickets()).toHaveLength(1);
    const warning = h.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.code === 'upstream_unconfirmed');
    expect(warning).toMatchObject({ level: 'warn', idempotencyKey: key, status: 200, errorCode: -1, dataShape: 'string' });
  });

  it('refuses the same key with another body with 422', async () => {
    const key = newKey();
    await h.post(SEED, { key });
    const response = await h.post({ ...SEED, title: 'Something else' }, { key });
    expect(response.status).toBe(422);
    expect(await errorOf(response)).toMatchObject({ code: 'idempotency_conflict' });
    expect(await h.fakeTickets()).toHaveLength(1);
  });

  it.each([
    ['isHtml', { ...SEED, isHtml: true }],
    ['creator.image', { ...SEED, creator: { ...SEED.creator, image: 'https://evil.example/x.png' } }],
  ])('refuses the unknown field %s with 400 naming its path', async (path, body) => {
    const response = await h.post(body);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 'validation', fields: [{ path, code: 'unknown_field' }] });
    expect(await h.fakeRequests()).toEqual([]);
  });

  it('refuses an oversize message with 400 too_long and the limit', async () => {
    const response = await h.post({ ...SEED, message: 'x'.repeat(10_001) });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).fields).toEqual([
      { path: 'message', code: 'too_long', limit: 10_000, message: 'Use at most 10000 characters.' },
    ]);
  });

  it('refuses a body over RELAY_MAX_BODY_BYTES with 413, by Content-Length', async () => {
    const response = await h.post({ ...SEED, message: 'x'.repeat(70_000) });
    expect(response.status).toBe(413);
    expect(await errorOf(response)).toMatchObject({ code: 'payload_too_large' });
    expect(await h.fakeRequests()).toEqual([]);
  });

  it('refuses a chunked body over the cap with 413, without a Content-Length to trust', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(16_384));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await h.send('/tickets', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': newKey(), Origin: ORIGIN },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });
});

describe('relay timeouts over HTTP', () => {
  beforeEach(async () => {
    h = await startHarness({ ...PINNED_ENV, RELAY_UPSTREAM_TIMEOUT_MS: '500' });
  });

  it('answers a Socialboards that never answers with 504 upstream_timeout, and stores nothing', async () => {
    await h.fault({ kind: 'timeout', path: '/tickets' });
    const started = Date.now();
    const response = await h.post(SEED);
    expect(response.status).toBe(504);
    expect(await errorOf(response)).toMatchObject({ code: 'upstream_timeout' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await h.fakeTickets()).toHaveLength(0);
  });

  it('does not create a timed-out ticket twice when Socialboards processed it after the relay gave up', async () => {
    // `slow` processes the ticket after the relay gave up: the ambiguous case Create Ticket cannot
    // resolve, because it takes no idempotency key (docs/socialboards-api.md §10).
    await h.fault({ kind: 'slow', delayMs: 800, path: '/tickets' });
    const key = newKey();
    expect((await h.post(SEED, { key })).status).toBe(504);
    expect(h.logLines.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/^socialboards may have created the ticket/), idempotencyKey: key }),
    );
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await h.fakeTickets()).toHaveLength(1);
    expect((await h.post(SEED, { key })).status).toBe(409);
    expect(await h.fakeTickets()).toHaveLength(1);
  });
});

describe('credentials over HTTP', () => {
  beforeEach(async () => {
    h = await startHarness({ ...PINNED_ENV, RELAY_UPSTREAM_TIMEOUT_MS: '500' });
  });

  it('never show up in a response or a log line, whatever happens', async () => {
    await h.post(SEED);
    await h.fault({ kind: 'expire-token' });
    await h.post({ ...SEED, title: 'second' });
    await h.fault({ kind: 'error', path: '/tickets' });
    await h.post({ ...SEED, title: 'third' });
    await h.fault({ kind: 'timeout', path: '/tickets' });
    await h.post({ ...SEED, title: 'fourth' });
    await h.fault({ kind: 'error', path: '/token' });
    await h.fault({ kind: 'expire-token' });
    await h.post({ ...SEED, title: 'fifth' });
    await h.post({ ...SEED, isHtml: true });
    await h.post(SEED, { origin: 'https://evil.example' });
    await h.send('/healthz');
    await h.send('/nowhere');

    expect(h.seenAccessTokens.size).toBeGreaterThan(0);
    expect(h.logLines.length).toBeGreaterThan(0);
    const seen = [...h.logLines, ...h.responseTexts].join('\n');
    for (const secret of [REFRESH_TOKEN, CLIENT_ID, ...h.seenAccessTokens]) expect(seen).not.toContain(secret);
    // Any JWT at all (the fake's access tokens are JWTs) would start like this.
    expect(seen).not.toContain('eyJ');
  });
});
