import { describe, expect, it } from 'vitest';
import { createRelayApp } from '../../src/relay/app';
import type { RelayDeps } from '../../src/relay/app';
import type { IdempotencyStore } from '../../src/relay/stores/idempotency-store';
import {
  CLIENT_ID,
  ORIGIN,
  REFRESH_TOKEN,
  EVERY_CONTROL_FORM,
  captureLogs,
  envelope,
  gate,
  hang,
  json,
  refused,
  scriptedSocialboards,
  memoryStore,
  testConfig,
} from './helpers';

const SEED = {
  title: 'New car price list.',
  message: 'Hello I want to buy a new car, how can I get a price list?',
  sentiment: 'question',
  creator: { name: 'Bill Smith', email: 'bill_smith@gmail.com' },
};

let keyCounter = 0;
const newKey = () => `test-key-${String(++keyCounter).padStart(8, '0')}`;

function setup(
  env: Record<string, string> = {},
  upstreamOptions: Parameters<typeof scriptedSocialboards>[0] = {},
  deps: Partial<RelayDeps> = {},
) {
  const upstream = scriptedSocialboards(upstreamOptions);
  const logs = captureLogs();
  const config = testConfig({ RELAY_CATEGORY_ID: '15597', RELAY_TAGS: 'web,widget', RELAY_SOURCE_NAME: 'Shop form', ...env });
  const app = createRelayApp(config, {
    fetch: upstream.fetch,
    log: logs.log,
    idempotencyStore: memoryStore({ now: deps.now, ttlSeconds: config.idempotency.ttlSeconds }),
    ...deps,
  });
  const responses: string[] = [];
  const send = async (path: string, init: RequestInit = {}) => {
    const response = await app.request(path, init);
    responses.push(`${[...response.headers].join('\n')}\n${await response.clone().text()}`);
    return response;
  };
  const post = (body: unknown, options: { key?: string | null; origin?: string | null; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...options.headers };
    const key = options.key === undefined ? newKey() : options.key;
    if (key !== null) headers['Idempotency-Key'] = key;
    const origin = options.origin === undefined ? ORIGIN : options.origin;
    if (origin !== null) headers.Origin = origin;
    return send('/tickets', { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  };
  return { app, upstream, logs, send, post, responses };
}

const errorOf = async (response: Response) => ((await response.json()) as { error: Record<string, unknown> }).error;
/** A comma-separated header as its list of values: how a browser reads it, whatever the spacing. */
const listOf = (response: Response, name: string) => response.headers.get(name)?.split(',').map((value) => value.trim());

describe('POST /tickets', () => {
  it('creates the ticket and answers 201 with its id', async () => {
    const { post, upstream } = setup({}, { tickets: [() => envelope(4484636)] });
    const response = await post(SEED);
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ ticketId: 4484636 });
    expect(JSON.parse(upstream.ticketCalls()[0]?.body ?? '')).toMatchObject({
      ...SEED,
      isHtml: false,
      sourceName: 'Shop form',
      categoryId: 15597,
      tags: ['web', 'widget'],
      creator: { ...SEED.creator, customIdentifier: null, image: null, phoneNumber: null },
    });
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['no content type', undefined],
  ])('refuses %s with 415', async (_name, type) => {
    const { send, upstream } = setup();
    const headers: Record<string, string> = { 'Idempotency-Key': newKey() };
    if (type) headers['Content-Type'] = type;
    const response = await send('/tickets', { method: 'POST', headers, body: JSON.stringify(SEED) });
    expect(response.status).toBe(415);
    expect(await errorOf(response)).toMatchObject({ code: 'unsupported_media_type' });
    expect(upstream.calls).toHaveLength(0);
  });

  it('accepts application/json with a charset', async () => {
    const { post } = setup();
    expect((await post(SEED, { headers: { 'Content-Type': 'application/json; charset=utf-8' } })).status).toBe(201);
  });

  it('refuses a body over the cap by its Content-Length with 413', async () => {
    const { post, upstream } = setup({ RELAY_MAX_BODY_BYTES: '100' });
    const response = await post({ ...SEED, message: 'x'.repeat(200) });
    expect(response.status).toBe(413);
    expect(await errorOf(response)).toMatchObject({ code: 'payload_too_large' });
    expect(upstream.calls).toHaveLength(0);
  });

  it('refuses a streamed body without Content-Length once it passes the cap', async () => {
    const { send } = setup({ RELAY_MAX_BODY_BYTES: '100' });
    const chunk = new TextEncoder().encode('x'.repeat(60));
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(chunk);
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await send('/tickets', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': newKey() },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  it('answers 400 validation when the body is not JSON', async () => {
    const { post } = setup();
    const response = await post('{"title":');
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({ code: 'validation', message: 'The request body is not valid JSON.' });
  });

  it('answers 400 validation when the body is not an object', async () => {
    const { post } = setup();
    const response = await post('[1,2]');
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 'validation', message: 'The request body must be a JSON object.' });
  });

  it('lists every invalid field with its path, code, limit and English message', async () => {
    const { post, upstream } = setup();
    const response = await post({ title: '  ', message: 'm'.repeat(10_001), creator: { email: 'bill' } });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe('validation');
    expect(error.message).toBe('Invalid fields: title, message, creator.email.');
    expect(error.fields).toEqual([
      { path: 'title', code: 'required', message: 'This field is required.' },
      { path: 'message', code: 'too_long', limit: 10_000, message: 'Use at most 10000 characters.' },
      { path: 'creator.email', code: 'invalid_email', message: 'Enter an email address like name@example.com.' },
    ]);
    expect(upstream.calls).toHaveLength(0);
  });

  it.each([
    ['isHtml', { ...SEED, isHtml: true }],
    ['sourceName', { ...SEED, sourceName: 'evil' }],
    ['assigneeId', { ...SEED, assigneeId: '43b8adc7-755d-2be3-afb1-b6a462631977' }],
    ['tags', { ...SEED, tags: ['vip'] }],
    ['cc', { ...SEED, cc: ['spy@evil.example'] }],
    ['creator.customIdentifier', { ...SEED, creator: { ...SEED.creator, customIdentifier: 'x' } }],
    ['creator.image', { ...SEED, creator: { ...SEED.creator, image: 'https://evil.example/a.png' } }],
  ])('refuses a visitor-set %s as unknown_field', async (path, body) => {
    const { post, upstream } = setup();
    const response = await post(body);
    expect(response.status).toBe(400);
    expect((await errorOf(response)).fields).toEqual([{ path, code: 'unknown_field', message: 'This field is not accepted.' }]);
    expect(upstream.calls).toHaveLength(0);
  });

  it('refuses attachments as not_enabled when the relay takes none (RELAY_ATTACHMENTS=off)', async () => {
    const { post, upstream } = setup({ RELAY_ATTACHMENTS: 'off' });
    const response = await post({ ...SEED, attachments: ['a'.repeat(20)] });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.message).toBe('Invalid field: attachments. This relay does not accept attachments.');
    expect(error.fields).toEqual([{ path: 'attachments', code: 'not_enabled', message: 'This relay does not accept this field yet.' }]);
    expect(upstream.calls).toHaveLength(0);
  });

  it.each([
    ['a custom field', { customFields: [{ id: 42623, value: 'Oslo' }] }, 'customFields.42623', 'unknown_field'],
    ['a category', { categoryId: 15597 }, 'categoryId', 'unknown_field'],
  ])('refuses %s when the relay has no form config', async (_name, extra, path, code) => {
    const { post, upstream } = setup();
    const response = await post({ ...SEED, ...extra });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).fields).toEqual([expect.objectContaining({ path, code })]);
    expect(upstream.calls).toHaveLength(0);
  });

  it('accepts empty customFields and attachments lists', async () => {
    const { post } = setup();
    expect((await post({ ...SEED, customFields: [], attachments: [] })).status).toBe(201);
  });

  it('requires an email by default, and not when RELAY_REQUIRE_EMAIL=false', async () => {
    const noEmail = { ...SEED, creator: { name: 'Bill Smith' } };
    const strict = setup();
    expect((await errorOf(await strict.post(noEmail))).fields).toEqual([
      { path: 'creator.email', code: 'required', message: 'This field is required.' },
    ]);
    const relaxed = setup({ RELAY_REQUIRE_EMAIL: 'false' });
    expect((await relaxed.post(noEmail)).status).toBe(201);
  });
});

describe('POST /tickets upstream failures', () => {
  it.each([
    ['a 5xx', () => envelope(null, 500, 'NullReferenceException at Db.Save', 500), 502, 'upstream_unavailable'],
    ['a refusal', () => envelope(null, 42, 'Category 15597 does not exist'), 502, 'upstream_rejected'],
    ['a network error', () => Promise.reject(new TypeError('fetch failed')), 502, 'upstream_unavailable'],
  ])('answers %s with our own message, never Socialboards errorText', async (_name, responder, status, code) => {
    const { post, upstream } = setup({}, { tickets: [responder] });
    const response = await post(SEED);
    expect(response.status).toBe(status);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code } });
    expect(text).not.toMatch(/NullReference|does not exist|fetch failed/);
    expect(upstream.ticketCalls()).toHaveLength(1);
  });

  it('answers a hung upstream with 504 upstream_timeout', async () => {
    const { post } = setup({ RELAY_UPSTREAM_TIMEOUT_MS: '50' }, { tickets: [hang] });
    const response = await post(SEED);
    expect(response.status).toBe(504);
    expect(await errorOf(response)).toMatchObject({ code: 'upstream_timeout' });
  });

  it('answers an upstream 429 with 429 rate_limited and its Retry-After', async () => {
    const { post } = setup({}, { tickets: [() => json({}, 429, { 'Retry-After': '30' })] });
    const response = await post(SEED);
    expect(response.status).toBe(429);
    expect(response.headers.get('Retry-After')).toBe('30');
    expect(await errorOf(response)).toMatchObject({ code: 'rate_limited' });
  });

  it('answers 502 upstream_unavailable when the token endpoint fails', async () => {
    const { post, upstream } = setup({}, { tokens: [() => json({ error: 'invalid_grant' }, 400)] });
    const response = await post(SEED);
    expect(response.status).toBe(502);
    expect(await errorOf(response)).toMatchObject({ code: 'upstream_unavailable' });
    expect(upstream.ticketCalls()).toHaveLength(0);
  });

  it('answers 500 internal with a generic message on an unexpected exception, and logs the stack', async () => {
    const broken: IdempotencyStore = { ...memoryStore(), reserve: () => Promise.reject(new Error('disk on fire')) };
    const { post, logs } = setup({}, {}, { idempotencyStore: broken });
    const response = await post(SEED);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'The relay failed unexpectedly.' } });
    expect(text).not.toContain('disk on fire');
    expect(logs.records()).toContainEqual(expect.objectContaining({ level: 'error', stack: expect.stringContaining('disk on fire') }));
  });
});

describe('Idempotency-Key', () => {
  it.each([
    ['missing', null],
    ['too short', 'abc'],
    ['with illegal characters', 'key with spaces and more'],
  ])('is required: %s gives 400 idempotency_key_missing', async (_name, key) => {
    const { post, upstream } = setup();
    const response = await post(SEED, { key });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 'idempotency_key_missing' });
    expect(upstream.calls).toHaveLength(0);
  });

  it('replays a success for the same key and body without calling upstream', async () => {
    const { post, upstream } = setup();
    const key = newKey();
    const first = await post(SEED, { key });
    // Same request after normalisation: other key order, untrimmed title.
    const second = await post({ creator: SEED.creator, sentiment: 'question', message: SEED.message, title: ` ${SEED.title} ` }, { key });
    expect(first.status).toBe(201);
    expect(first.headers.get('Idempotent-Replayed')).toBeNull();
    expect(second.status).toBe(201);
    expect(second.headers.get('Idempotent-Replayed')).toBe('true');
    expect(second.headers.get('Content-Type')).toMatch(/application\/json/);
    expect(second.headers.get('Access-Control-Allow-Origin')).toBe(ORIGIN);
    expect(await second.json()).toEqual(await first.json());
    expect(upstream.ticketCalls()).toHaveLength(1);
  });

  it('makes a concurrent duplicate wait for the first and return the same ticket', async () => {
    const slow = gate();
    const { post, upstream } = setup({}, { tickets: [slow.responder] });
    const key = newKey();
    const first = post(SEED, { key });
    await slow.reached;
    const second = post(SEED, { key });
    slow.open(envelope(777));
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(await a.json()).toEqual({ ticketId: 777 });
    expect(await b.json()).toEqual({ ticketId: 777 });
    expect(b.headers.get('Idempotent-Replayed')).toBe('true');
    expect(upstream.ticketCalls()).toHaveLength(1);
  });

  it('answers a duplicate 504 upstream_timeout when the first holds its key past the wait, then replays the first answer', async () => {
    const slow = gate();
    const { post, upstream } = setup({ RELAY_UPSTREAM_TIMEOUT_MS: '100', RELAY_UPSTREAM_QUEUE_MS: '0' }, { tickets: [slow.responder] });
    const key = newKey();
    const first = post(SEED, { key });
    await slow.reached;
    const waited = await post(SEED, { key });
    expect(waited.status).toBe(504);
    expect(await errorOf(waited)).toMatchObject({ code: 'upstream_timeout' });
    slow.open(envelope(778));
    expect((await first).status).toBe(201);
    expect(await (await post(SEED, { key })).json()).toEqual({ ticketId: 778 });
    expect(upstream.ticketCalls()).toHaveLength(1);
  });

  it('hands a concurrent duplicate the first request’s refusal, without a second call', async () => {
    const slow = gate();
    // Opened only once the duplicate is waiting: a refusal frees the key, so a duplicate that came
    // later would rightly go upstream itself.
    const store = memoryStore();
    let duplicateWaits: () => void = () => {};
    const waiting = new Promise<void>((resolve) => {
      duplicateWaits = resolve;
    });
    const watched: IdempotencyStore = {
      ...store,
      reserve: async (...args) => {
        const reservation = await store.reserve(...args);
        if (reservation.status === 'in_flight') duplicateWaits();
        return reservation;
      },
    };
    const { post, upstream } = setup({}, { tickets: [slow.responder] }, { idempotencyStore: watched });
    const key = newKey();
    const first = post(SEED, { key });
    await slow.reached;
    const second = post(SEED, { key });
    await waiting;
    slow.open(envelope(null, 1, 'categoryId: is not a category id', 400));
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status]).toEqual([502, 502]);
    expect(await errorOf(b)).toMatchObject({ code: 'upstream_rejected' });
    expect(b.headers.get('Idempotent-Replayed')).toBe('true');
    expect(upstream.ticketCalls()).toHaveLength(1);
    // Released: a later retry goes upstream again.
    expect((await post(SEED, { key })).status).toBe(201);
  });

  it('refuses the same key with a different body: 422 idempotency_conflict', async () => {
    const { post, upstream } = setup();
    const key = newKey();
    await post(SEED, { key });
    const response = await post({ ...SEED, title: 'Another ticket' }, { key });
    expect(response.status).toBe(422);
    expect(await errorOf(response)).toMatchObject({ code: 'idempotency_conflict' });
    expect(upstream.ticketCalls()).toHaveLength(1);
  });

  it('lets a retry go upstream again after a failure that certainly created nothing', async () => {
    const { post, upstream } = setup({}, { tickets: [refused] });
    const key = newKey();
    expect((await post(SEED, { key })).status).toBe(502);
    const retry = await post(SEED, { key });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('Idempotent-Replayed')).toBeNull();
    expect(upstream.ticketCalls()).toHaveLength(2);
  });

  it('stores upstream_unconfirmed: a retry with the same key replays it and sends nothing more', async () => {
    const { post, upstream } = setup({}, { tickets: [() => envelope('4484636')] });
    const key = newKey();
    const first = await post(SEED, { key });
    const retry = await post(SEED, { key });
    expect([first.status, retry.status]).toEqual([502, 502]);
    expect(await errorOf(first)).toEqual({
      code: 'upstream_unconfirmed',
      message: 'The help desk probably created the ticket, but its answer could not be read; do not send it again.',
    });
    expect(first.headers.get('Idempotent-Replayed')).toBeNull();
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await errorOf(retry)).toMatchObject({ code: 'upstream_unconfirmed' });
    expect(upstream.ticketCalls()).toHaveLength(1);
  });

  it('hands a concurrent duplicate the upstream_unconfirmed answer too', async () => {
    const slow = gate();
    const { post, upstream } = setup({}, { tickets: [slow.responder] });
    const key = newKey();
    const first = post(SEED, { key });
    await slow.reached;
    const second = post(SEED, { key });
    slow.open(new Response('<html>Created</html>', { status: 201 }));
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status]).toEqual([502, 502]);
    expect(await errorOf(b)).toMatchObject({ code: 'upstream_unconfirmed' });
    expect(b.headers.get('Idempotent-Replayed')).toBe('true');
    expect(upstream.ticketCalls()).toHaveLength(1);
  });

  it.each([
    ['a 5xx', () => envelope(null, 500, 'boom', 500)],
    ['a connection lost after sending', () => Promise.reject(new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }))],
  ])('holds the key unresolved after %s: retries get 409 submission_unresolved and nothing is sent again', async (_name, responder) => {
    const { post, upstream, logs } = setup({}, { tickets: [responder] });
    const key = newKey();
    expect((await post(SEED, { key })).status).toBe(502);
    expect(logs.records()).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/^socialboards may have created the ticket/), idempotencyKey: key }),
    );
    expect(logs.records()).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/^idempotency key unresolved/), idempotencyKey: key }),
    );
    for (let retry = 0; retry < 3; retry += 1) {
      const answer = await post(SEED, { key });
      expect(answer.status).toBe(409);
      expect(await errorOf(answer)).toEqual({
        code: 'submission_unresolved',
        message: 'An earlier attempt with this Idempotency-Key may have created the ticket, which cannot be confirmed yet; it is not sent again. Do not send it with a new key.',
      });
    }
    expect((await post({ ...SEED, title: 'Another ticket' }, { key })).status).toBe(422);
    expect(upstream.ticketCalls()).toHaveLength(1);
  });

  it('hands a concurrent duplicate the unresolved answer too, without a second call', async () => {
    const slow = gate();
    const { post, upstream } = setup({}, { tickets: [slow.responder] });
    const key = newKey();
    const first = post(SEED, { key });
    await slow.reached;
    const second = post(SEED, { key });
    slow.open(envelope(null, 503, 'down', 503));
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status]).toEqual([502, 409]);
    expect(upstream.ticketCalls()).toHaveLength(1);
  });

  it('releases the key without that warning when the ticket was certainly not created', async () => {
    const clock = { now: 0 };
    const { post, logs } = setup({}, { tokens: [() => json({}, 503)] }, { now: () => clock.now });
    const key = newKey();
    expect((await post(SEED, { key })).status).toBe(502);
    expect(logs.lines.join('\n')).not.toContain('may have created');
    // After the token backoff.
    clock.now += 1000;
    expect((await post(SEED, { key })).status).toBe(201);
  });

  it('does not store validation failures: the key stays free for the corrected request', async () => {
    const { post } = setup();
    const key = newKey();
    expect((await post({ ...SEED, title: '' }, { key })).status).toBe(400);
    expect((await post(SEED, { key })).status).toBe(201);
  });

  it('goes upstream again once the TTL is over', async () => {
    const clock = { now: 0 };
    const { post, upstream } = setup({ RELAY_IDEMPOTENCY_TTL_SECONDS: '60' }, {}, { now: () => clock.now });
    const key = newKey();
    await post(SEED, { key });
    clock.now = 60_000;
    const again = await post(SEED, { key });
    expect(again.headers.get('Idempotent-Replayed')).toBeNull();
    expect(upstream.ticketCalls()).toHaveLength(2);
  });
});

describe('RELAY_SUBMISSION_KEY_FIELD', () => {
  const FIELD = 42636;
  // A short upstream limit: the lookup waits that long after the ambiguous attempt.
  const KEY_FIELD_ENV = { RELAY_SUBMISSION_KEY_FIELD: String(FIELD), RELAY_UPSTREAM_TIMEOUT_MS: '50' };
  const listed = (id: number, key: string) => ({ id, title: SEED.title, customFields: [{ id: FIELD, value: key }] });
  const ambiguous = () => envelope(null, 500, 'boom', 500);

  it('writes the Idempotency-Key into that custom field of every ticket', async () => {
    const { post, upstream } = setup(KEY_FIELD_ENV);
    const key = newKey();
    expect((await post(SEED, { key })).status).toBe(201);
    expect(JSON.parse(upstream.ticketCalls()[0]?.body ?? '').customFields).toEqual([{ id: FIELD, value: key }]);
  });

  it('finds the ticket an ambiguous attempt created, and answers with it instead of sending again', async () => {
    const key = newKey();
    const { post, upstream } = setup(KEY_FIELD_ENV, { tickets: [ambiguous], lookups: [() => envelope([listed(4484700, key)])] });
    const first = await post(SEED, { key });
    expect(first.status).toBe(502);
    const started = Date.now();
    const retry = await post(SEED, { key });
    // Socialboards got as long again as the relay waits for it before the relay looked.
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(retry.status).toBe(201);
    expect(await retry.json()).toEqual({ ticketId: 4484700 });
    expect(JSON.parse(upstream.lookupCalls()[0]?.body ?? '')).toEqual({ customFields: [{ key: FIELD, value: key }], skip: 0, take: 25 });
    const replay = await post(SEED, { key });
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await replay.json()).toEqual({ ticketId: 4484700 });
    expect(upstream.ticketCalls()).toHaveLength(1);
    expect(upstream.lookupCalls()).toHaveLength(1);
  });

  it('sends the ticket when Socialboards has none with that key', async () => {
    const { post, upstream } = setup(KEY_FIELD_ENV, { tickets: [ambiguous, () => envelope(4484701)] });
    const key = newKey();
    expect((await post(SEED, { key })).status).toBe(502);
    const retry = await post(SEED, { key });
    expect(await retry.json()).toEqual({ ticketId: 4484701 });
    expect(upstream.lookupCalls()).toHaveLength(1);
    expect(upstream.ticketCalls()).toHaveLength(2);
  });

  it('takes the oldest of several tickets with the key, and ignores listed tickets that lack it', async () => {
    const key = newKey();
    const lookup = () => envelope([listed(4484705, key), { id: 1, title: 'Someone else', customFields: [] }, listed(4484702, key)]);
    const { post, upstream, logs } = setup(KEY_FIELD_ENV, { tickets: [ambiguous], lookups: [lookup] });
    await post(SEED, { key });
    expect(await (await post(SEED, { key })).json()).toEqual({ ticketId: 4484702 });
    expect(upstream.ticketCalls()).toHaveLength(1);
    expect(logs.records()).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/filter ignored/), listed: 3, carrying: 2 }));
    expect(logs.records()).toContainEqual(expect.objectContaining({ msg: 'several tickets carry one submission key', ticketIds: [4484702, 4484705] }));
  });

  it('never takes a listed ticket that does not carry the key for the one sought', async () => {
    const { post, upstream } = setup(KEY_FIELD_ENV, {
      tickets: [ambiguous, () => envelope(4484703)],
      lookups: [() => envelope([{ id: 99, title: 'Unrelated', customFields: [{ id: FIELD, value: 'another-submission-key' }] }])],
    });
    const key = newKey();
    await post(SEED, { key });
    expect(await (await post(SEED, { key })).json()).toEqual({ ticketId: 4484703 });
    expect(upstream.ticketCalls()).toHaveLength(2);
  });

  it('keeps the key unresolved when the lookup fails, and looks again on the next retry', async () => {
    const key = newKey();
    const { post, upstream } = setup(KEY_FIELD_ENV, {
      tickets: [ambiguous],
      lookups: [() => envelope(null, 500, 'down', 500), () => envelope([listed(4484704, key)])],
    });
    await post(SEED, { key });
    const failed = await post(SEED, { key });
    expect(failed.status).toBe(502);
    expect(await errorOf(failed)).toMatchObject({ code: 'upstream_unavailable' });
    expect(await (await post(SEED, { key })).json()).toEqual({ ticketId: 4484704 });
    expect(upstream.lookupCalls()).toHaveLength(2);
    expect(upstream.ticketCalls()).toHaveLength(1);
  });

  it('keeps the key unresolved when the retry itself is refused before it could look', async () => {
    const store = memoryStore();
    const { post, upstream } = setup({ ...KEY_FIELD_ENV, RELAY_RATE_LIMIT_TICKETS: '1/1m' }, { tickets: [ambiguous] }, { idempotencyStore: store });
    const key = newKey();
    await post(SEED, { key });
    const refusedRetry = await post(SEED, { key });
    expect(refusedRetry.status).toBe(429);
    expect(await store.lookup(key)).toMatchObject({ state: 'unresolved' });
    expect(upstream.lookupCalls()).toHaveLength(0);
    expect(upstream.ticketCalls()).toHaveLength(1);
  });

  it('refuses the field from visitors, and GET /form does not offer it, even with custom fields on', async () => {
    const upstream = scriptedSocialboards();
    const app = createRelayApp(testConfig(KEY_FIELD_ENV, EVERY_CONTROL_FORM), { fetch: upstream.fetch, log: captureLogs().log, idempotencyStore: memoryStore() });
    const response = await app.request('/tickets', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': newKey(), Origin: ORIGIN },
      body: JSON.stringify({ ...SEED, customFields: [{ id: 42625, value: 'Model Y' }, { id: FIELD, value: 'forged-submission-key' }] }),
    });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 'validation', fields: [{ path: `customFields.${FIELD}`, code: 'unknown_field' }] });
    const form = (await (await app.request('/form', { headers: { Origin: ORIGIN } })).json()) as { fields: { path: string }[] };
    expect(form.fields.map((field) => field.path)).toContain('customFields.42625');
    expect(form.fields.map((field) => field.path)).not.toContain(`customFields.${FIELD}`);
    expect(upstream.ticketCalls()).toHaveLength(0);
  });
});

describe('CORS and origin guard', () => {
  it('answers a preflight from an allowed origin', async () => {
    const { send } = setup();
    const response = await send('/tickets', {
      method: 'OPTIONS',
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, idempotency-key' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe(ORIGIN);
    expect(listOf(response, 'Vary')).toContain('Origin');
    expect(listOf(response, 'Access-Control-Allow-Methods')).toEqual(['GET', 'POST', 'OPTIONS']);
    expect(listOf(response, 'Access-Control-Allow-Headers')).toEqual(['Content-Type', 'Idempotency-Key', 'If-None-Match']);
    expect(response.headers.get('Access-Control-Max-Age')).toBe('600');
  });

  it('refuses a preflight from another origin with 403 and no CORS headers', async () => {
    const { send } = setup();
    const response = await send('/tickets', {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(await errorOf(response)).toMatchObject({ code: 'origin_not_allowed' });
  });

  it.each(['https://evil.example', 'https://shop.example.evil.example', 'http://shop.example', 'null'])(
    'refuses a POST from %s before it reaches upstream',
    async (origin) => {
      const { post, upstream } = setup();
      const response = await post(SEED, { origin });
      expect(response.status).toBe(403);
      expect(response.headers.get('Access-Control-Allow-Origin')).toBeNull();
      expect(upstream.calls).toHaveLength(0);
    },
  );

  it('adds CORS headers to every answer for an allowed origin, errors included', async () => {
    const { post } = setup();
    for (const response of [await post(SEED), await post({ title: '' })]) {
      expect(response.headers.get('Access-Control-Allow-Origin')).toBe(ORIGIN);
      expect(listOf(response, 'Access-Control-Expose-Headers')).toEqual(['Retry-After', 'Idempotent-Replayed', 'ETag']);
      expect(response.headers.get('Vary')).toBe('Origin');
    }
  });

  it('adds them once to answers with headers of their own (a 429, a 404) and to answers made otherwise (a replay, the form, health)', async () => {
    const { post, send } = setup({}, { tickets: [() => json({}, 429, { 'Retry-After': '30' }), () => envelope(4484637)] });
    const limited = await post(SEED);
    expect(limited.headers.get('Retry-After')).toBe('30');
    const key = newKey();
    await post(SEED, { key });
    const replayed = await post(SEED, { key });
    expect(replayed.headers.get('Idempotent-Replayed')).toBe('true');
    const missing = await send('/nowhere', { headers: { Origin: ORIGIN } });
    expect(missing.status).toBe(404);
    const form = await send('/form', { headers: { Origin: ORIGIN } });
    expect(form.status).toBe(200);
    const health = await send('/healthz', { headers: { Origin: ORIGIN } });
    expect(health.status).toBe(200);
    for (const response of [limited, replayed, missing, form, health]) {
      expect(response.headers.get('Access-Control-Allow-Origin')).toBe(ORIGIN);
      expect(listOf(response, 'Access-Control-Expose-Headers')).toEqual(['Retry-After', 'Idempotent-Replayed', 'ETag']);
      expect(response.headers.get('Vary')).toBe('Origin');
    }
  });

  it('lets a request without Origin through, without CORS headers', async () => {
    const { post } = setup();
    const response = await post(SEED, { origin: null });
    expect(response.status).toBe(201);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });
});

describe('other routes', () => {
  it('GET /healthz answers ok without calling upstream or showing config', async () => {
    const { send, upstream } = setup();
    const response = await send('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(upstream.calls).toHaveLength(0);
  });

  it.each([
    ['GET', '/'],
    ['GET', '/tickets'],
    ['POST', '/token'],
  ])('%s %s is 404 not_found in the error shape', async (method, path) => {
    const { send } = setup();
    const response = await send(path, { method, headers: { Origin: ORIGIN } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'There is nothing at this address.' } });
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe(ORIGIN);
  });
});

describe('request log', () => {
  it('logs each outcome with method, path, status, duration, ticket id, error code and replay', async () => {
    const { post, logs } = setup({}, { tickets: [() => envelope(4484636)] });
    const key = newKey();
    await post(SEED, { key });
    await post(SEED, { key });
    await post({ ...SEED, title: '' });
    const requests = logs.records().filter((record) => record.msg === 'request');
    expect(requests).toEqual([
      expect.objectContaining({ level: 'info', method: 'POST', path: '/tickets', status: 201, ticketId: 4484636, durationMs: expect.any(Number) }),
      expect.objectContaining({ status: 201, idempotentReplay: true }),
      expect.objectContaining({ status: 400, errorCode: 'validation' }),
    ]);
  });

  it('never logs what the visitor typed', async () => {
    const { post, logs } = setup({}, { tickets: [() => envelope(null, 42, 'rejected', 400)] });
    const body = { ...SEED, creator: { ...SEED.creator, phoneNumber: '+47 22 33 44 55' } };
    await post(body);
    await post({ ...body, title: '' });
    const text = logs.lines.join('\n');
    for (const typed of [SEED.message, SEED.title, 'bill_smith@gmail.com', 'Bill Smith', '+47 22 33 44 55']) {
      expect(text).not.toContain(typed);
    }
  });

  it('never puts a credential in a log line or a response', async () => {
    const { post, send, logs, responses } = setup(
      { RELAY_UPSTREAM_TIMEOUT_MS: '50' },
      {
        tickets: [() => envelope(null, 401, 'bad token', 401), () => envelope(null, 500, 'x', 500), hang],
        tokens: [() => json({ access_token: 'access-SECRET-a', token_type: 'bearer', expires_in: 3599, refresh_token: 'rotated-SECRET-b' })],
      },
    );
    await post(SEED);
    await post(SEED);
    await post(SEED);
    await post({ nope: true });
    await send('/healthz');
    await send('/missing');
    const seen = [...logs.lines, ...responses].join('\n');
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const secret of [REFRESH_TOKEN, 'rotated-SECRET-b', 'access-SECRET-a', 'access-1', CLIENT_ID]) {
      expect(seen).not.toContain(secret);
    }
  });
});
