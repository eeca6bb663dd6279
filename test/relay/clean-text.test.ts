/** What the relay does with text: a body that is not UTF-8 is refused, and each field reaches Socialboards cleaned by its rule. */
import { describe, expect, it } from 'vitest';
import { createRelayApp } from '../../src/relay/app';
import { captureLogs, EVERY_CONTROL_FORM, EVERY_CONTROL_VALUES, ORIGIN, memoryStore, scriptedSocialboards, testConfig } from './helpers';

let keyCounter = 0;
const newKey = () => `clean-text-key-${String(++keyCounter).padStart(8, '0')}`;

function setup(form?: unknown) {
  const upstream = scriptedSocialboards();
  const app = createRelayApp(testConfig({}, form), { fetch: upstream.fetch, log: captureLogs().log, idempotencyStore: memoryStore() });
  const post = (body: BodyInit) =>
    app.request('/tickets', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': newKey(), Origin: ORIGIN },
      body,
    });
  const sent = () => upstream.ticketCalls().map((call) => JSON.parse(call.body) as Record<string, unknown>);
  return { post, sent, upstream };
}

const errorOf = async (response: Response) => ((await response.json()) as { error: Record<string, unknown> }).error;

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));

/** A valid ticket body whose title holds `raw` bytes. */
const withTitleBytes = (raw: number[]) =>
  bytes('{"title":"Caf', raw, '","message":"Hello","creator":{"email":"ann@example.com"}}');

describe('a body that is not UTF-8', () => {
  it.each([
    ['a Latin-1 é', [0xe9]],
    ['a lone continuation byte', [0x80]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['a surrogate encoded as UTF-8 (CESU)', [0xed, 0xa0, 0x80]],
    ['a sequence cut short', [0xe2, 0x82]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ])('with %s is refused with 400 validation and never forwarded', async (_, raw) => {
    const { post, upstream } = setup();
    const response = await post(withTitleBytes(raw));
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({ code: 'validation', message: 'The request body is not valid UTF-8.' });
    expect(upstream.ticketCalls()).toHaveLength(0);
  });

  it('is told apart from UTF-8 that is not JSON', async () => {
    const { post } = setup();
    expect(await errorOf(await post(bytes('{"title": "Café')))).toEqual({ code: 'validation', message: 'The request body is not valid JSON.' });
  });

  it('a leading byte order mark is skipped, and the text arrives as sent', async () => {
    const { post, sent } = setup();
    const response = await post(bytes([0xef, 0xbb, 0xbf], '{"title":"Café ☕ 😀","message":"Hello","creator":{"email":"ann@example.com"}}'));
    expect(response.status).toBe(201);
    expect(sent()[0]?.title).toBe('Café ☕ 😀');
  });
});

describe('each field reaches Socialboards cleaned by its rule', () => {
  it('built-in fields', async () => {
    const { post, sent } = setup();
    const response = await post(
      JSON.stringify({
        title: 'Invoice \u202Egpj.exe\r\nattached',
        message: 'Line one\r\nLine two\rTab\there \u2067\u05e9\u05dc\u05d5\u05dd\u2069\u0007',
        creator: { name: 'Ann\u202E Lee', email: 'ann@example.com', phoneNumber: '+47 22 33 44 55\t' },
      }),
    );
    expect(response.status).toBe(201);
    expect(sent()[0]).toMatchObject({
      title: 'Invoice gpj.exe attached',
      message: 'Line one\nLine two\nTab\there \u2067\u05e9\u05dc\u05d5\u05dd\u2069',
      creator: { name: 'Ann Lee', email: 'ann@example.com', phoneNumber: '+47 22 33 44 55' },
    });
  });

  it('custom fields, by control', async () => {
    const { post, sent } = setup(EVERY_CONTROL_FORM);
    const dirty: Record<number, string> = { 42625: 'Model\u202E Y\n', 42628: 'A scratch\r\non the door.\u0007', 42633: '\u0001https://cars.example/listing/7' };
    const customFields = EVERY_CONTROL_VALUES.map(({ id, value }) => ({ id, value: dirty[id] ?? value }));
    const response = await post(JSON.stringify({ title: 'Hi', message: 'Hello', creator: { email: 'ann@example.com' }, customFields }));
    expect(response.status).toBe(201);
    const upstream = sent()[0]?.customFields as { id: number; value: string }[];
    expect(upstream.filter(({ id }) => id in dirty)).toEqual([
      { id: 42625, value: 'Model Y' },
      { id: 42628, value: 'A scratch\non the door.' },
      { id: 42633, value: 'https://cars.example/listing/7' },
    ]);
  });

  it('refuses a NUL in a custom field with invalid_text at its path', async () => {
    const { post, upstream } = setup(EVERY_CONTROL_FORM);
    const customFields = [{ id: 42625, value: 'Model\u0000Y' }];
    const response = await post(JSON.stringify({ title: 'Hi', message: 'Hello', creator: { email: 'ann@example.com' }, customFields }));
    expect(response.status).toBe(400);
    expect((await errorOf(response)).fields).toEqual([
      { path: 'customFields.42625', code: 'invalid_text', message: 'This text holds characters that cannot be sent.' },
    ]);
    expect(upstream.ticketCalls()).toHaveLength(0);
  });

  it('refuses a lone surrogate sent as a JSON escape with invalid_text', async () => {
    const { post } = setup();
    const response = await post('{"title":"Half \\ud83d","message":"Hello","creator":{"email":"ann@example.com"}}');
    expect(response.status).toBe(400);
    expect((await errorOf(response)).fields).toEqual([expect.objectContaining({ path: 'title', code: 'invalid_text' })]);
  });
});
