/** Loading the form definition: what is asked of the relay, what the widget is given, and what it refuses to render. */
import { describe, expect, it } from 'vitest';
import type { FormCategories, FormDefinition, FormField } from '../../src/shared/form-definition';
import { createFormLoader } from '../../src/submitter/load-form';
import { createRelayCall } from '../../src/submitter/relay-call';

const RELAY = 'https://relay.example/support/';

type Answer = () => Response;
const json = (status: number, body: unknown): Answer => () =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** A loader wired to a scripted relay (answers in order, the last one repeats); sleeps resolve at once. */
function harness(answers: Answer[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return answers[Math.min(calls.length, answers.length) - 1]!();
  }) as typeof globalThis.fetch;
  const loadForm = createFormLoader(createRelayCall({ relay: RELAY, fetch, sleep: async () => {}, random: () => 0.5 }));
  return { loadForm, calls };
}

const CITY: FormField = { id: 42623, label: 'City', control: 'text', required: true, maxLength: 80 };
const TOPICS: FormField = {
  id: 42624,
  label: 'Topics',
  control: 'multichoice',
  required: false,
  choices: [{ value: 'cars', label: 'Cars' }],
};
const CATEGORIES: FormCategories = {
  required: true,
  label: 'Department',
  options: [
    { id: 12, name: 'Sales', parentId: null, depth: 0 },
    { id: 13, name: 'New cars', parentId: 12, depth: 1 },
  ],
};

describe('GET {relay}/form', () => {
  it('asks for the form with a plain GET: no body, no Idempotency-Key, no cookies', async () => {
    const { loadForm, calls } = harness([json(200, { fields: [], categories: null })]);
    await loadForm();
    expect(calls).toHaveLength(1);
    const { url, init } = calls[0]!;
    expect(url).toBe('https://relay.example/support/form');
    expect(init.method).toBe('GET');
    expect(init.body ?? null).toBeNull();
    expect(new Headers(init.headers).has('Idempotency-Key')).toBe(false);
    expect(init.credentials).toBe('omit');
  });

  it('gives the widget the fields and categories as served', async () => {
    const form: FormDefinition = { fields: [CITY, TOPICS], categories: CATEGORIES };
    const { loadForm } = harness([json(200, form)]);
    expect(await loadForm()).toEqual({ ok: true, form });
  });

  it('gives the widget the attachment policy as served', async () => {
    const attachments = { maxFiles: 3, maxFileBytes: 1000, maxTotalBytes: 1500, types: ['image/*', 'application/pdf'], direct: true };
    const { loadForm } = harness([json(200, { fields: [CITY], categories: null, attachments })]);
    expect(await loadForm()).toEqual({ ok: true, form: { fields: [CITY], categories: null, attachments } });
  });

  it.each([
    ['absent', undefined],
    ['null (the relay takes none)', null],
    ['without a list of types', { maxFiles: 3, maxFileBytes: 1000, maxTotalBytes: 1500 }],
  ])('reads an attachment policy %s as no attachments', async (_, attachments) => {
    const { loadForm } = harness([json(200, { fields: [CITY], categories: null, attachments })]);
    const result = await loadForm();
    expect(result.ok).toBe(true);
    expect(result.ok && result.form.attachments).toBeFalsy();
  });

  it('reads a form without categories as having no picker', async () => {
    const { loadForm } = harness([json(200, { fields: [CITY] })]);
    expect(await loadForm()).toEqual({ ok: true, form: { fields: [CITY], categories: null } });
  });

  it.each([
    ['an unknown control', { ...CITY, id: 1, control: 'slider' }],
    ['an id that is not an integer', { ...CITY, id: 1.5 }],
    ['an id given as text', { ...CITY, id: '42623' }],
    ['no label', { id: 1, control: 'text', required: false }],
    ['a choice without choices', { id: 2, label: 'City', control: 'choice', required: false }],
    ['a multichoice without choices', { id: 3, label: 'Topics', control: 'multichoice', required: false }],
    ['a field that is not an object', 'City'],
  ])('drops a field with %s and keeps the rest, with the categories', async (_, bad) => {
    const { loadForm } = harness([json(200, { fields: [CITY, bad, TOPICS], categories: CATEGORIES })]);
    expect(await loadForm()).toEqual({ ok: true, form: { fields: [CITY, TOPICS], categories: CATEGORIES } });
  });

  it.each([
    ['a list', [CITY]],
    ['null', null],
    ['a string', 'form'],
    ['an object without fields', { categories: CATEGORIES }],
  ])('calls a 200 whose body is %s a bad response', async (_, body) => {
    const { loadForm } = harness([json(200, body)]);
    expect(await loadForm()).toEqual({ ok: false, code: 'bad_response' });
  });

  it('retries a 503 and then gives the form', async () => {
    const form: FormDefinition = { fields: [CITY], categories: null };
    const { loadForm, calls } = harness([
      json(503, { error: { code: 'upstream_unavailable', message: 'Socialboards is not available.' } }),
      json(200, form),
    ]);
    expect(await loadForm()).toEqual({ ok: true, form });
    expect(calls.map(({ url }) => url)).toEqual(['https://relay.example/support/form', 'https://relay.example/support/form']);
  });

  it('gives up with the relay’s code when the relay keeps failing', async () => {
    const { loadForm, calls } = harness([json(503, { error: { code: 'upstream_unavailable', message: 'Socialboards is not available.' } })]);
    expect(await loadForm()).toEqual({ ok: false, code: 'upstream_unavailable' });
    expect(calls).toHaveLength(4);
  });

  it('returns aborted without asking when the caller has already aborted', async () => {
    const { loadForm, calls } = harness([json(200, { fields: [], categories: null })]);
    expect(await loadForm(AbortSignal.abort())).toEqual({ ok: false, code: 'aborted' });
    expect(calls).toHaveLength(0);
  });
});

describe('GET {relay}/form challenge', () => {
  it.each([
    { provider: 'turnstile', siteKey: '1x00000000000000000000AA', action: 'ticket' },
    { provider: 'hcaptcha', siteKey: '10000000-ffff-ffff-ffff-000000000001', action: 'ticket' },
    { provider: 'altcha', path: '/challenge' },
  ])('gives the widget the $provider challenge as served', async (challenge) => {
    const { loadForm } = harness([json(200, { fields: [], categories: null, challenge })]);
    expect(await loadForm()).toEqual({ ok: true, form: { fields: [], categories: null, challenge } });
  });

  it.each([
    ['an unknown provider', { provider: 'recaptcha', siteKey: 'x' }],
    ['a provider without its site key', { provider: 'turnstile' }],
    ['ALTCHA at an absolute URL', { provider: 'altcha', path: 'https://elsewhere.example/challenge' }],
    ['not an object', 'turnstile'],
  ])('drops %s', async (_, challenge) => {
    const { loadForm } = harness([json(200, { fields: [], categories: null, challenge })]);
    expect(await loadForm()).toEqual({ ok: true, form: { fields: [], categories: null } });
  });
});
