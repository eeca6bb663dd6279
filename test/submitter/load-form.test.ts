/** Loading the form definition: what is asked of the relay, what the widget is given, and what it refuses to render. */
import { fail, ok } from '../../src/shared/result';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_FIELDS } from '../../src/shared/built-in-fields';
import type { FormDefinition, FormField } from '../../src/shared/form-definition';
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
  const loadForm = createFormLoader(createRelayCall({ relay: RELAY, fetch, sleep: async () => {}, random: () => 0.5 }), 'nb-NO');
  return { loadForm, calls };
}

/** Title and message, which every form has: a form without them is no form the widget can send. */
const ASKED: FormField[] = BUILT_IN_FIELDS.slice(0, 2);
const CITY: FormField = { path: 'customFields.42623', label: 'City', control: 'text', required: true, maxLength: 80 };
const TOPICS: FormField = {
  path: 'customFields.42624',
  label: 'Topics',
  control: 'multichoice',
  required: false,
  choices: [{ value: 'cars', label: 'Cars' }],
};
/** The category picker, a choice field like any other. */
const CATEGORIES: FormField = {
  path: 'categoryId',
  label: 'Department',
  control: 'choice',
  required: true,
  choices: [
    { value: '12', label: 'Sales' },
    { value: '13', label: 'New cars', depth: 1 },
  ],
};
/** A built-in field as served: no label (the widget has its own words), options without labels. */
const SENTIMENT: FormField = { path: 'sentiment', control: 'radio', required: false, choices: [{ value: 'question' }, { value: 'praise' }] };

describe('GET {relay}/form', () => {
  it("asks for the form in the widget's language with a plain GET: no body, no Idempotency-Key, no cookies", async () => {
    const { loadForm, calls } = harness([json(200, { fields: [...ASKED] })]);
    await loadForm();
    expect(calls).toHaveLength(1);
    const { url, init } = calls[0]!;
    expect(url).toBe('https://relay.example/support/form?locale=nb-NO');
    expect(init.method).toBe('GET');
    expect(init.body ?? null).toBeNull();
    expect(new Headers(init.headers).has('Idempotency-Key')).toBe(false);
    expect(init.credentials).toBe('omit');
  });

  it('gives the widget the fields, built-in and custom, and the category picker as served', async () => {
    const form: FormDefinition = { fields: [...ASKED, SENTIMENT, CITY, TOPICS, CATEGORIES] };
    const { loadForm } = harness([json(200, form)]);
    expect(await loadForm()).toEqual(ok(form));
  });

  it('gives the widget the attachment policy as served', async () => {
    const attachments = { maxFiles: 3, maxFileBytes: 1000, maxTotalBytes: 1500, types: ['image/*', 'application/pdf'], direct: true };
    const { loadForm } = harness([json(200, { fields: [...ASKED, CITY], attachments })]);
    expect(await loadForm()).toEqual(ok({ fields: [...ASKED, CITY], attachments }));
  });

  it.each([
    ['absent', undefined],
    ['null (the relay takes none)', null],
    ['without a list of types', { maxFiles: 3, maxFileBytes: 1000, maxTotalBytes: 1500 }],
  ])('reads an attachment policy %s as no attachments', async (_, attachments) => {
    const { loadForm } = harness([json(200, { fields: [...ASKED, CITY], attachments })]);
    const result = await loadForm();
    expect(result.ok).toBe(true);
    expect(result.ok && result.value.attachments).toBeFalsy();
  });

  it.each([
    ['an unknown control', { ...CITY, control: 'slider' }],
    ['no path', { label: 'City', control: 'text', required: false }],
    ['a path that is not text', { ...CITY, path: 42623 }],
    ['a radio without choices', { path: 'sentiment', control: 'radio', required: false }],
    ['a choice without choices', { path: 'customFields.2', label: 'City', control: 'choice', required: false }],
    ['a multichoice without choices', { path: 'customFields.3', label: 'Topics', control: 'multichoice', required: false }],
    ['a field that is not an object', 'City'],
  ])('drops a field with %s and keeps the rest', async (_, bad) => {
    const { loadForm } = harness([json(200, { fields: [...ASKED, CITY, bad, TOPICS, CATEGORIES] })]);
    expect(await loadForm()).toEqual(ok({ fields: [...ASKED, CITY, TOPICS, CATEGORIES] }));
  });

  it.each([
    ['without a message', { fields: [BUILT_IN_FIELDS[0], CITY] }],
    ["an older relay's, whose fields have ids, not paths", { fields: [{ id: 42623, label: 'City', control: 'text', required: true }], categories: null }],
  ])('calls a form %s a bad response, so the built-in fields stay with a way to load it again', async (_, body) => {
    const { loadForm } = harness([json(200, body)]);
    expect(await loadForm()).toEqual(fail({ code: 'bad_response' }));
  });

  it.each([
    ['a list', [CITY]],
    ['null', null],
    ['a string', 'form'],
    ['an object without fields', { attachments: null }],
  ])('calls a 200 whose body is %s a bad response', async (_, body) => {
    const { loadForm } = harness([json(200, body)]);
    expect(await loadForm()).toEqual(fail({ code: 'bad_response' }));
  });

  it('retries a 503 and then gives the form', async () => {
    const form: FormDefinition = { fields: [...ASKED, CITY] };
    const { loadForm, calls } = harness([
      json(503, { error: { code: 'upstream_unavailable', message: 'Socialboards is not available.' } }),
      json(200, form),
    ]);
    expect(await loadForm()).toEqual(ok(form));
    expect(calls.map(({ url }) => url)).toEqual(['https://relay.example/support/form?locale=nb-NO', 'https://relay.example/support/form?locale=nb-NO']);
  });

  it('gives up with the relay’s code when the relay keeps failing', async () => {
    const { loadForm, calls } = harness([json(503, { error: { code: 'upstream_unavailable', message: 'Socialboards is not available.' } })]);
    expect(await loadForm()).toEqual(fail({ code: 'upstream_unavailable' }));
    expect(calls).toHaveLength(4);
  });

  it('returns aborted without asking when the caller has already aborted', async () => {
    const { loadForm, calls } = harness([json(200, { fields: [...ASKED] })]);
    expect(await loadForm(AbortSignal.abort())).toEqual(fail({ code: 'aborted' }));
    expect(calls).toHaveLength(0);
  });
});

describe('GET {relay}/form challenge', () => {
  it.each([
    { provider: 'turnstile', siteKey: '1x00000000000000000000AA', action: 'ticket' },
    { provider: 'hcaptcha', siteKey: '10000000-ffff-ffff-ffff-000000000001', action: 'ticket' },
    { provider: 'altcha', path: '/challenge' },
  ])('gives the widget the $provider challenge as served', async (challenge) => {
    const { loadForm } = harness([json(200, { fields: [...ASKED], challenge })]);
    expect(await loadForm()).toEqual(ok({ fields: [...ASKED], challenge }));
  });

  it.each([
    ['an unknown provider', { provider: 'recaptcha', siteKey: 'x' }],
    ['a provider without its site key', { provider: 'turnstile' }],
    ['ALTCHA at an absolute URL', { provider: 'altcha', path: 'https://elsewhere.example/challenge' }],
    ['not an object', 'turnstile'],
  ])('drops %s', async (_, challenge) => {
    const { loadForm } = harness([json(200, { fields: [...ASKED], challenge })]);
    expect(await loadForm()).toEqual(ok({ fields: [...ASKED] }));
  });
});
