import { describe, expect, it } from 'vitest';
import type { CreateTicketBody } from '../../src/shared/create-ticket';
import { createSocialboardsClient } from '../../src/relay/upstream/socialboards-client';
import { captureLogs, envelope, hang, json, scriptedSocialboards, testConfig } from './helpers';

const BODY: CreateTicketBody = {
  title: 'New car price list.',
  message: 'Hello',
  isHtml: false,
  sourceName: 'Website ticket widget',
  categoryId: null,
  assigneeId: null,
  tags: [],
  cc: [],
  creator: { name: null, email: 'a@b.example', customIdentifier: null, image: null, phoneNumber: null },
  customFields: [],
  attachments: [],
};

function setup(options: Parameters<typeof scriptedSocialboards>[0] = {}, timeoutMs = '1000') {
  const upstream = scriptedSocialboards(options);
  const logs = captureLogs();
  const config = testConfig({ RELAY_UPSTREAM_TIMEOUT_MS: timeoutMs });
  const client = createSocialboardsClient(config.socialboards, { fetch: upstream.fetch, now: Date.now, log: logs.log });
  return { upstream, logs, client };
}

describe('socialboards client', () => {
  it('posts the body as JSON with the bearer token and returns the ticket id', async () => {
    const { upstream, client } = setup({ tickets: [() => envelope(4484636)] });
    expect(await client.createTicket(BODY)).toEqual({ ok: true, value: 4484636 });
    const [call] = upstream.ticketCalls();
    expect(call?.url).toBe('https://sb.test/tickets');
    expect(call?.headers.get('authorization')).toBe('Bearer access-1');
    expect(call?.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(call?.body ?? '')).toEqual(BODY);
  });

  it('gets a token once for several tickets', async () => {
    const { upstream, client } = setup();
    await client.createTicket(BODY);
    await client.createTicket(BODY);
    await client.createTicket(BODY);
    expect(upstream.tokenCalls()).toHaveLength(1);
    expect(upstream.ticketCalls()).toHaveLength(3);
  });

  it('refreshes the token and retries once after a 401', async () => {
    const { upstream, client } = setup({ tickets: [() => envelope(null, 401, 'Unauthorized', 401)] });
    expect(await client.createTicket(BODY)).toEqual({ ok: true, value: 1000 });
    expect(upstream.tokenCalls()).toHaveLength(2);
    expect(upstream.ticketCalls().map((call) => call.headers.get('authorization'))).toEqual([
      'Bearer access-1',
      'Bearer access-2',
    ]);
  });

  it('gives up after a second 401 instead of looping', async () => {
    const refused = () => envelope(null, 401, 'Unauthorized', 401);
    const { upstream, client } = setup({ tickets: [refused, refused, refused] });
    expect(await client.createTicket(BODY)).toEqual({ ok: false, error: { code: 'upstream_rejected' } });
    expect(upstream.ticketCalls()).toHaveLength(2);
  });

  it('does not call /tickets when no token can be had', async () => {
    const { upstream, client } = setup({ tokens: [() => json({}, 503)] });
    expect(await client.createTicket(BODY)).toEqual({ ok: false, error: { code: 'upstream_unavailable' } });
    expect(upstream.ticketCalls()).toHaveLength(0);
  });

  const refused = (code: string) => Promise.reject(new TypeError('fetch failed', { cause: { code } }));
  const brokenBody = (status: number) =>
    new Response(new ReadableStream({ start: (controller) => controller.error(new Error('socket hang up')) }), { status });

  // Whether Socialboards may have created the ticket decides what a retry with the same key risks.
  it.each([
    ['a 500', () => envelope(null, 500, 'Server error', 500), { code: 'upstream_unavailable', outcomeUnknown: true }],
    ['a 503 without a body', () => new Response('', { status: 503 }), { code: 'upstream_unavailable', outcomeUnknown: true }],
    ['a 5xx whose body broke off', () => brokenBody(502), { code: 'upstream_unavailable', outcomeUnknown: true }],
    ['a connection lost after sending', () => Promise.reject(new TypeError('fetch failed')), { code: 'upstream_unavailable', outcomeUnknown: true }],
    ['a refused connection', () => refused('ECONNREFUSED'), { code: 'upstream_unavailable' }],
    ['an unknown host', () => refused('ENOTFOUND'), { code: 'upstream_unavailable' }],
    ['a 2xx that is not an envelope', () => new Response('<html>ok</html>', { status: 200 }), { code: 'upstream_unconfirmed' }],
    ['a 2xx whose body broke off', () => brokenBody(201), { code: 'upstream_unconfirmed' }],
    ['errorCode -1 with the id as a string', () => envelope('4484636'), { code: 'upstream_unconfirmed' }],
    ['errorCode -1 without data', () => envelope(null), { code: 'upstream_unconfirmed' }],
    ['a 400', () => envelope(null, 17, 'Title is required', 400), { code: 'upstream_rejected' }],
    ['a 200 with errorCode other than -1', () => envelope(null, 42, 'Category does not exist'), { code: 'upstream_rejected' }],
    ['a 403', () => json({}, 403), { code: 'upstream_rejected' }],
  ])('maps %s to %o without retrying', async (_name, responder, failure) => {
    const { upstream, client } = setup({ tickets: [responder] });
    expect(await client.createTicket(BODY)).toEqual({ ok: false, error: failure });
    expect(upstream.ticketCalls()).toHaveLength(1);
  });

  it('maps a hung call to upstream_timeout after the configured time, without retrying', async () => {
    const { upstream, client } = setup({ tickets: [hang] }, '50');
    const started = Date.now();
    expect(await client.createTicket(BODY)).toEqual({ ok: false, error: { code: 'upstream_timeout', outcomeUnknown: true } });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(upstream.ticketCalls()).toHaveLength(1);
  });

  it('ends the time limit with the call: its signal is not aborted later', async () => {
    let signal: AbortSignal | undefined;
    const { client } = setup({ tickets: [(_call, callSignal) => ((signal = callSignal), envelope(4484636))] }, '50');
    expect(await client.createTicket(BODY)).toEqual({ ok: true, value: 4484636 });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(signal?.aborted).toBe(false);
  });

  it('logs an accepted ticket without an id with its key, errorCode, errorText and the shape of data, never its value', async () => {
    const { client, logs } = setup({ tickets: [() => envelope({ ticket: 'T-4484636' }, -1, 'Created')] });
    const result = await client.createTicket(BODY, { idempotencyKey: 'key-0123456789abcdef' });
    expect(result).toEqual({ ok: false, error: { code: 'upstream_unconfirmed' } });
    expect(logs.records()).toContainEqual({
      level: 'warn',
      msg: 'socialboards accepted the ticket but its answer has no ticket id',
      time: expect.any(String),
      idempotencyKey: 'key-0123456789abcdef',
      status: 200,
      errorCode: -1,
      errorText: 'Created',
      dataShape: 'object {ticket}',
      code: 'upstream_unconfirmed',
    });
    expect(logs.lines.join('\n')).not.toContain('T-4484636');
  });

  it.each([
    ['a 500', () => envelope(null, 500, 'Server error', 500), 'upstream_unavailable'],
    ['a connection lost after sending', () => Promise.reject(new TypeError('fetch failed')), 'upstream_unavailable'],
    ['a timeout', hang, 'upstream_timeout'],
  ])('warns with the key that the ticket may exist after %s', async (_name, responder, code) => {
    const { client, logs } = setup({ tickets: [responder] }, '50');
    await client.createTicket(BODY, { idempotencyKey: 'key-0123456789abcdef' });
    expect(logs.records()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'socialboards may have created the ticket; its answer does not say',
        idempotencyKey: 'key-0123456789abcdef',
        code,
      }),
    );
  });

  it.each([
    ['no token', { tokens: [() => json({}, 503)] }],
    ['a refused connection', { tickets: [() => refused('ECONNREFUSED')] }],
    ['a 401 after a fresh token', { tickets: [() => envelope(null, 401, 'Unauthorized', 401), () => envelope(null, 401, 'Unauthorized', 401)] }],
    ['a 400', { tickets: [() => envelope(null, 17, 'Title is required', 400)] }],
    ['a 200 with errorCode other than -1', { tickets: [() => envelope(null, 42, 'Category does not exist')] }],
  ])('does not say the ticket may exist after %s', async (_name, options) => {
    const { client, logs } = setup(options);
    const result = await client.createTicket(BODY);
    expect(result.ok || result.error.outcomeUnknown).toBeFalsy();
    expect(logs.lines.join('\n')).not.toContain('may have created');
  });

  it('passes a 429 Retry-After on', async () => {
    const { client } = setup({ tickets: [() => json({}, 429, { 'Retry-After': '30' })] });
    expect(await client.createTicket(BODY)).toEqual({ ok: false, error: { code: 'rate_limited', retryAfter: '30' } });
  });

  it('passes a Retry-After date on', async () => {
    const date = 'Sat, 01 Mar 2025 12:00:30 GMT';
    const { client } = setup({ tickets: [() => json({}, 429, { 'Retry-After': date })] });
    expect(await client.createTicket(BODY)).toEqual({ ok: false, error: { code: 'rate_limited', retryAfter: date } });
  });

  // '-5' is what Date.parse alone would take for a year; the widget could not read it.
  it.each(['soon-ish', '-5'])('drops a Retry-After the widget cannot read: %j', async (value) => {
    const { client } = setup({ tickets: [() => json({}, 429, { 'Retry-After': value })] });
    expect(await client.createTicket(BODY)).toEqual({ ok: false, error: { code: 'rate_limited' } });
  });

  it('logs errorCode and errorText server-side only', async () => {
    const { client, logs } = setup({ tickets: [() => envelope(null, 42, 'Category does not exist')] });
    const result = await client.createTicket(BODY);
    expect(JSON.stringify(result)).not.toContain('Category does not exist');
    expect(logs.records()).toContainEqual(
      expect.objectContaining({ level: 'warn', status: 200, errorCode: 42, errorText: 'Category does not exist', code: 'upstream_rejected' }),
    );
  });
});

describe('socialboards client: definition lists', () => {
  it('gets both lists with the bearer token from the configured paths', async () => {
    const { upstream, client } = setup();
    const fields = await client.listCustomFields();
    const categories = await client.listCategories();
    expect(fields.ok && fields.value.map((field) => field.id)).toContain(42623);
    expect(categories.ok && categories.value.map((category) => category.id)).toContain(15597);
    expect(upstream.listCalls().map((call) => [call.method, call.url, call.headers.get('authorization')])).toEqual([
      ['GET', 'https://sb.test/customfields', 'Bearer access-1'],
      ['GET', 'https://sb.test/categories', 'Bearer access-1'],
    ]);
    expect(upstream.tokenCalls()).toHaveLength(1);
  });

  it('uses SOCIALBOARDS_CUSTOM_FIELDS_PATH and SOCIALBOARDS_CATEGORIES_PATH', async () => {
    const upstream = scriptedSocialboards();
    const config = testConfig({ SOCIALBOARDS_CUSTOM_FIELDS_PATH: '/v2/fields?take=100', SOCIALBOARDS_CATEGORIES_PATH: '/v2/categories' });
    const client = createSocialboardsClient(config.socialboards, { fetch: upstream.fetch, now: Date.now, log: captureLogs().log });
    await client.listCustomFields();
    await client.listCategories();
    expect(upstream.calls.slice(1).map((call) => call.url)).toEqual(['https://sb.test/v2/fields?take=100', 'https://sb.test/v2/categories']);
  });

  it('refreshes the token and retries once after a 401, as for tickets', async () => {
    const { upstream, client } = setup({ customFields: [() => envelope(null, 401, 'Unauthorized', 401)] });
    expect((await client.listCustomFields()).ok).toBe(true);
    expect(upstream.listCalls().map((call) => call.headers.get('authorization'))).toEqual(['Bearer access-1', 'Bearer access-2']);
  });

  it.each([
    ['a 404 (a wrong path)', () => envelope(null, 404, 'Not found', 404), 'upstream_rejected'],
    ['a 500', () => envelope(null, 500, 'Server error', 500), 'upstream_unavailable'],
    ['a 2xx that is not an envelope', () => new Response('<html>ok</html>', { status: 200 }), 'upstream_unavailable'],
    ['data that is not a list', () => envelope({ fields: [] }), 'upstream_unavailable'],
    ['a network error', () => Promise.reject(new TypeError('fetch failed')), 'upstream_unavailable'],
  ])('maps %s to %s and names the variable that sets the path', async (_name, responder, code) => {
    const { client, logs } = setup({ customFields: [responder] });
    expect(await client.listCustomFields()).toMatchObject({ ok: false, error: { code } });
    expect(logs.records().find((record) => record.level === 'warn')).toMatchObject({
      path: '/customfields',
      setting: 'SOCIALBOARDS_CUSTOM_FIELDS_PATH',
    });
  });

  it('skips an item it cannot read, with a warning naming its index and keys', async () => {
    const { client, logs } = setup({
      categories: [() => envelope([{ id: 1, name: 'Sales', parents: [] }, { id: 'two', name: 'Secret' }])],
    });
    expect(await client.listCategories()).toEqual({ ok: true, value: [{ id: 1, name: 'Sales', parents: [] }] });
    expect(logs.records()).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'socialboards category list has an item the relay cannot read; skipped', index: 1, keys: ['id'] }),
    );
    expect(logs.lines.join('\n')).not.toContain('Secret');
  });
});

describe('socialboards client: redaction', () => {
  it('cuts the values it is told to out of the logged errorText', async () => {
    const { client, logs } = setup({
      tickets: [() => envelope(null, 1, 'customFields[0].value: "CN-775-SECRET" is not valid; also "Oslo"', 400)],
    });
    await client.createTicket(BODY, { redact: ['CN-775-SECRET', 'Oslo'] });
    expect(logs.records()).toContainEqual(
      expect.objectContaining({ errorText: 'customFields[0].value: "[redacted]" is not valid; also "[redacted]"' }),
    );
  });
});

describe('socialboards ticket lookup (List Tickets by a custom field)', () => {
  const KEY = 'submission-key-0001';

  it('posts the custom field filter with the bearer token, and returns the ids of the tickets carrying the value, lowest first', async () => {
    const { upstream, client } = setup({
      lookups: [
        () =>
          envelope([
            { id: 9, customFields: [{ id: 42636, value: KEY }] },
            { id: 7, customFields: [{ key: '42636', value: KEY }, { id: 42623, value: 'Oslo' }] },
            { id: 8, customFields: [{ id: 42636, value: 'another-key' }] },
          ]),
      ],
    });
    expect(await client.findTicketsByField(42636, KEY)).toEqual({ ok: true, value: [7, 9] });
    const [call] = upstream.lookupCalls();
    expect(call?.url).toBe('https://sb.test/tickets/list');
    expect(call?.method).toBe('POST');
    expect(call?.headers.get('authorization')).toBe('Bearer access-1');
    expect(JSON.parse(call?.body ?? '')).toEqual({ customFields: [{ key: 42636, value: KEY }], skip: 0, take: 25 });
  });

  it('reads a ticket without custom fields, or with entries it cannot read, as one that does not carry the value', async () => {
    const { client, logs } = setup({
      lookups: [() => envelope([{ id: 1 }, { id: 2, customFields: null }, { id: 3, customFields: [{ value: KEY }, 'odd'] }, { title: 'no id' }])],
    });
    expect(await client.findTicketsByField(42636, KEY)).toEqual({ ok: true, value: [] });
    expect(logs.records()).toContainEqual(expect.objectContaining({ msg: 'socialboards ticket lookup has an item the relay cannot read; skipped', index: 3 }));
  });

  it.each([
    ['data that is not a list', () => envelope({ tickets: [] }), 'upstream_unavailable'],
    ['a refusal', () => envelope(null, 1, 'customFields[0].key: is required', 400), 'upstream_rejected'],
    ['a 500', () => envelope(null, 500, 'Server error', 500), 'upstream_unavailable'],
  ])('fails on %s', async (_name, responder, code) => {
    const { client } = setup({ lookups: [responder] });
    expect(await client.findTicketsByField(42636, KEY)).toMatchObject({ ok: false, error: { code } });
  });
});
