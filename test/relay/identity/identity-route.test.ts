import { describe, expect, it } from 'vitest';
import { createRelayApp } from '../../../src/relay/app';
import { signIdentity } from '../../../src/relay/identity/sign-identity';
import { customFieldId } from '../../../src/shared/form-definition';
import type { FormDefinition } from '../../../src/shared/form-definition';
import { ORIGIN, captureLogs, memoryStore, scriptedSocialboards, testConfig } from '../helpers';
import { HEADER, KEY, KEYS_ENV, NOW, NOW_MS, claims, forge } from './tokens';

/** A region the visitor picks, a customer number (sensitive) and interests only a token may set. */
const FORM = {
  fields: [{ id: 42623 }, { id: 42627, signed: true }, { id: 42635, signed: true }],
};

const TYPED = {
  title: 'Where is my order?',
  message: 'It has not arrived.',
  creator: { name: 'Typed Name', email: 'typed@example.com', phoneNumber: '+47 22 33 44 55' },
  customFields: [{ id: 42623, value: 'Oslo' }],
};

let keyCounter = 0;
const newKey = () => `identity-key-${String(++keyCounter).padStart(8, '0')}`;

function setup(env: Record<string, string> = {}, form: unknown = FORM) {
  const upstream = scriptedSocialboards();
  const logs = captureLogs();
  const app = createRelayApp(testConfig({ RELAY_IDENTITY_KEYS: KEYS_ENV, RELAY_TAGS: 'web', ...env }, form), {
    fetch: upstream.fetch,
    log: logs.log,
    now: () => NOW_MS,
    idempotencyStore: memoryStore({ now: () => NOW_MS }),
  });
  const texts: string[] = [];
  const post = async (body: unknown, key = newKey()) => {
    const response = await app.request('/tickets', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key, Origin: ORIGIN },
      body: JSON.stringify(body),
    });
    texts.push(await response.clone().text());
    return response;
  };
  const sent = () => upstream.ticketCalls().map((call) => JSON.parse(call.body) as Record<string, unknown>);
  return { app, post, sent, logs, texts };
}

const sign = (options: Omit<Parameters<typeof signIdentity>[0], 'key' | 'now'>) => signIdentity({ key: KEY, now: () => NOW_MS, ...options });

const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string; fields?: unknown[] } }).error;

describe('POST /tickets with a signed identity', () => {
  it('sends the verified name and email instead of the typed ones, keeping the typed phone', async () => {
    const { post, sent } = setup();
    const identity = await sign({ name: 'Ann Verified', email: 'ann@verified.example' });
    const response = await post({ ...TYPED, identity });
    expect(response.status).toBe(201);
    expect(sent()[0]?.creator).toEqual({
      name: 'Ann Verified',
      email: 'ann@verified.example',
      customIdentifier: null,
      image: null,
      phoneNumber: '+47 22 33 44 55',
    });
  });

  it('sends the verified name and email even where the operator hides those fields, and refuses typed ones there', async () => {
    const { post, sent } = setup({}, { ...FORM, builtIn: { name: { hidden: true }, email: { hidden: true } } });
    const identity = await sign({ name: 'Ann Verified', email: 'ann@verified.example' });
    const { creator: _typed, ...untyped } = TYPED;
    expect((await post({ ...untyped, creator: { phoneNumber: '+47 22 33 44 55' }, identity })).status).toBe(201);
    expect(sent()[0]?.creator).toMatchObject({ name: 'Ann Verified', email: 'ann@verified.example' });
    const typed = await post({ ...TYPED, identity });
    expect(typed.status).toBe(400);
    // The first unknown field is named (valibot's strict objects stop at it).
    expect((await errorOf(typed)).fields).toEqual([{ path: 'creator.name', code: 'unknown_field', message: 'This field is not accepted.' }]);
    expect(sent()).toHaveLength(1);
  });

  it('lets a verified email fill a required email the visitor left out', async () => {
    const { post, sent } = setup();
    const response = await post({ ...TYPED, creator: {}, identity: await sign({ email: 'ann@verified.example' }) });
    expect(response.status).toBe(201);
    expect(sent()[0]?.creator).toMatchObject({ name: null, email: 'ann@verified.example' });
  });

  it('keeps a typed value the token does not carry', async () => {
    const { post, sent } = setup();
    const response = await post({ ...TYPED, identity: await sign({ fields: { 42627: 'CN-775' } }) });
    expect(response.status).toBe(201);
    expect(sent()[0]?.creator).toMatchObject({ name: 'Typed Name', email: 'typed@example.com' });
  });

  it("sends signed fields' values from the token, in the field's upstream format", async () => {
    const { post, sent } = setup();
    const identity = await sign({ email: 'ann@verified.example', fields: { 42627: 'CN-775', 42635: ['Financing', 'Insurance'] } });
    expect((await post({ ...TYPED, identity })).status).toBe(201);
    expect(sent()[0]?.customFields).toEqual([
      { id: 42623, value: 'Oslo' },
      { id: 42627, value: 'CN-775' },
      { id: 42635, value: 'Financing,Insurance' },
    ]);
  });

  it('never serves a signed field to the widget', async () => {
    const { app } = setup();
    const form = (await (await app.request('/form', { headers: { Origin: ORIGIN } })).json()) as FormDefinition;
    expect(form.fields.flatMap((field) => customFieldId(field.path) ?? [])).toEqual([42623]);
  });

  it('refuses a typed value for a signed field, with or without a token, and sends nothing', async () => {
    const { post, sent } = setup();
    for (const identity of [undefined, await sign({ fields: { 42627: 'CN-775' } })]) {
      const response = await post({ ...TYPED, customFields: [...TYPED.customFields, { id: 42627, value: 'CN-FORGED' }], identity });
      expect(response.status).toBe(400);
      const error = await errorOf(response);
      expect(error).toMatchObject({ code: 'validation', fields: [{ path: 'customFields.42627', code: 'unknown_field' }] });
      expect(error.message).toMatch(/takes values only from the signed identity token/);
    }
    expect(sent()).toEqual([]);
  });

  it('refuses a token carrying a field the form config does not mark signed', async () => {
    const { post, sent } = setup();
    const response = await post({ ...TYPED, identity: await sign({ fields: { 42623: 'Oslo' } }) });
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toEqual({ code: 'identity_invalid', message: expect.stringMatching(/custom field 42623, which .* does not mark "signed"/) });
    expect(sent()).toEqual([]);
  });

  it('refuses a signed value the field does not accept, naming the field', async () => {
    const { post } = setup();
    const response = await post({ ...TYPED, identity: await sign({ fields: { 42635: ['Spaceships'] } }) });
    expect(response.status).toBe(401);
    expect((await errorOf(response)).message).toBe("The identity token's value for custom field 42635 is not valid: Choose one of the offered options.");
  });

  it('asks for a token when a required signed field has none', async () => {
    const { post } = setup({}, { fields: [{ id: 42623 }, { id: 42627, signed: true, required: true }] });
    const without = await post(TYPED);
    expect(without.status).toBe(401);
    expect(await errorOf(without)).toEqual({ code: 'identity_required', message: 'Custom field 42627 is signed and required: send a signed identity token that carries it.' });
    const lacking = await post({ ...TYPED, identity: await sign({ email: 'ann@verified.example' }) });
    expect(await errorOf(lacking)).toMatchObject({ code: 'identity_invalid', message: expect.stringMatching(/has no value for custom field 42627, which is signed and required/) });
  });

  it('with RELAY_IDENTITY_REQUIRED, refuses a ticket without a token and takes one with', async () => {
    const { post, sent } = setup({ RELAY_IDENTITY_REQUIRED: 'true' });
    const without = await post(TYPED);
    expect(without.status).toBe(401);
    expect((await errorOf(without)).code).toBe('identity_required');
    expect(sent()).toEqual([]);
    expect((await post({ ...TYPED, identity: await sign({ email: 'ann@verified.example' }) })).status).toBe(201);
  });

  it('tags verified tickets with RELAY_IDENTITY_TAG, and only those', async () => {
    const { post, sent } = setup({ RELAY_IDENTITY_TAG: 'verified-customer' });
    await post({ ...TYPED, identity: await sign({ email: 'ann@verified.example' }) });
    await post(TYPED);
    expect(sent().map((ticket) => ticket.tags)).toEqual([['web', 'verified-customer'], ['web']]);
  });

  it('refuses an expired token with 401, saying so, and logs the reason but never the token', async () => {
    const { post, sent, logs, texts } = setup();
    const identity = forge(HEADER, claims({ iat: NOW - 900, exp: NOW - 300 }));
    const response = await post({ ...TYPED, identity });
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toEqual({ code: 'identity_invalid', message: expect.stringMatching(/has expired/) });
    expect(sent()).toEqual([]);
    expect(logs.records()).toContainEqual(expect.objectContaining({ msg: 'identity token refused', reason: 'expired' }));
    const signature = identity.split('.')[2] as string;
    for (const text of [...logs.lines, ...texts]) {
      expect(text).not.toContain(signature);
      expect(text).not.toContain(KEY.secret);
    }
  });

  it('refuses a token sent to a relay without keys', async () => {
    const { post } = setup({ RELAY_IDENTITY_KEYS: '' }, { fields: [{ id: 42623 }] });
    const response = await post({ ...TYPED, identity: await sign({ email: 'ann@verified.example' }) });
    expect(response.status).toBe(401);
    expect((await errorOf(response)).message).toMatch(/RELAY_IDENTITY_KEYS is not set/);
  });

  it('refuses an oversized token as a field of the request', async () => {
    const { post } = setup();
    const response = await post({ ...TYPED, identity: 'x'.repeat(8193) });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 'validation', fields: [{ path: 'identity', code: 'too_long', limit: 8192 }] });
  });

  it('replays a retry that carries a fresh token for the same visitor, and refuses the key for an anonymous copy', async () => {
    const { post, sent } = setup();
    const key = newKey();
    const first = await post({ ...TYPED, identity: await sign({ email: 'ann@verified.example', expiresInSeconds: 600 }) }, key);
    const again = await post({ ...TYPED, identity: await sign({ email: 'ann@verified.example', expiresInSeconds: 900 }) }, key);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect((await post({ ...TYPED, creator: { ...TYPED.creator, email: 'ann@verified.example' } }, key)).status).toBe(422);
    expect(sent()).toHaveLength(1);
  });
});
