import { describe, expect, it } from 'vitest';
import { CUSTOM_FIELDS } from '../../src/fake-socialboards/definitions';
import { createRelayApp } from '../../src/relay/app';
import { BUILT_IN_FIELDS } from '../../src/shared/built-in-fields';
import type { FormDefinition } from '../../src/shared/form-definition';
import {
  EVERY_CONTROL_FORM,
  EVERY_CONTROL_UPSTREAM,
  EVERY_CONTROL_VALUES,
  ORIGIN,
  captureLogs,
  envelope,
  scriptedSocialboards,
  memoryStore,
  testConfig,
} from './helpers';

const SEED = {
  title: 'Scratch on my new car',
  message: 'Hello, the car I bought has a scratch.',
  creator: { name: 'Ann', email: 'ann@example.com' },
};

/** The required field alone: the least a ticket needs under EVERY_CONTROL_FORM. */
const REQUIRED_ONLY = [{ id: 42625, value: 'Model Y' }];

let keyCounter = 0;
const newKey = () => `form-test-key-${String(++keyCounter).padStart(8, '0')}`;

function setup(form: unknown = EVERY_CONTROL_FORM, upstreamOptions: Parameters<typeof scriptedSocialboards>[0] = {}) {
  const clock = { now: Date.parse('2025-03-01T12:00:00Z') };
  const upstream = scriptedSocialboards(upstreamOptions);
  const logs = captureLogs();
  const app = createRelayApp(testConfig({ RELAY_CATEGORY_ID: '15721' }, form), {
    fetch: upstream.fetch,
    log: logs.log,
    now: () => clock.now,
    idempotencyStore: memoryStore({ now: () => clock.now }),
  });
  const getForm = (headers: Record<string, string> = {}, query = '') => app.request(`/form${query}`, { headers: { Origin: ORIGIN, ...headers } });
  const post = (body: unknown) =>
    app.request('/tickets', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': newKey(), Origin: ORIGIN },
      body: JSON.stringify(body),
    });
  const sentBody = (index = 0) => JSON.parse(upstream.ticketCalls()[index]?.body ?? 'null') as Record<string, unknown>;
  return { app, clock, upstream, logs, getForm, post, sentBody };
}

const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { code: string; message: string; fields?: unknown[] } }).error;

describe('GET /form', () => {
  it('serves the fields and categories the operator chose, translated into controls', async () => {
    const { getForm } = setup({
      fields: [{ id: 42630, format: 'dd.mm.yyyy' }, { id: 42623 }, { id: 42626, prefillOnly: true }],
      categories: { picker: true, ids: [15600], required: true, label: 'Topic' },
    });
    const response = await getForm();
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('application/json');
    const [title, message, sentiment, name, email, phone] = BUILT_IN_FIELDS;
    expect(await response.json()).toEqual({
      fields: [
        title,
        message,
        sentiment,
        {
          path: 'categoryId',
          control: 'choice',
          required: true,
          label: 'Topic',
          choices: [
            { value: '15600', label: 'Workshop' },
            { value: '15601', label: 'Tyre change', depth: 1 },
          ],
        },
        expect.objectContaining({ path: 'customFields.42623', label: 'Shop region', control: 'choice', required: false, placeholder: 'region' }),
        { path: 'customFields.42626', label: 'Lead source', control: 'text', required: false, defaultValue: 'web-form', prefillOnly: true },
        { path: 'customFields.42630', label: 'Preferred test drive date', control: 'date', required: false },
        name,
        email,
        phone,
      ],
      attachments: testConfig().attachments.policy,
    } satisfies FormDefinition);
  });

  it('never exposes a field the operator did not allow, nor how values go upstream', async () => {
    // The fields only: the attachment policy's types name office formats.
    const { fields } = (await (await setup().getForm()).json()) as FormDefinition;
    const text = JSON.stringify(fields);
    for (const id of [42624]) expect(text).not.toContain(String(id));
    for (const word of ['format', 'decimal-comma', 'dd.mm.yyyy', 'isSensitiveData']) expect(text).not.toContain(word);
  });

  it('marks the sensitive field, so the widget keeps it out of drafts on the device', async () => {
    const { fields } = (await (await setup().getForm()).json()) as FormDefinition;
    expect(fields.filter((field) => field.sensitive).map((field) => field.path)).toEqual(['customFields.42627']);
  });

  it('serves the built-in fields without calling Socialboards when there is no form config', async () => {
    const upstream = scriptedSocialboards();
    const app = createRelayApp(testConfig(), { fetch: upstream.fetch, log: captureLogs().log, idempotencyStore: memoryStore() });
    const response = await app.request('/form', { headers: { Origin: ORIGIN } });
    expect(await response.json()).toEqual({ fields: BUILT_IN_FIELDS, attachments: testConfig().attachments.policy });
    expect(upstream.calls).toEqual([]);
  });

  it('serves email as optional under RELAY_REQUIRE_EMAIL=false, still without calling Socialboards', async () => {
    const upstream = scriptedSocialboards();
    const app = createRelayApp(testConfig({ RELAY_REQUIRE_EMAIL: 'false' }), { fetch: upstream.fetch, log: captureLogs().log, idempotencyStore: memoryStore() });
    const { fields } = (await (await app.request('/form', { headers: { Origin: ORIGIN } })).json()) as FormDefinition;
    expect(fields.find((field) => field.path === 'creator.email')).toMatchObject({ control: 'email', required: false });
    expect(upstream.calls).toEqual([]);
  });

  it("serves the built-in fields as the operator asks them: hidden, required, relabelled, in the layout's order", async () => {
    const { getForm } = setup({
      fields: [{ id: 42623 }],
      builtIn: { name: { hidden: true }, sentiment: { hidden: true }, phoneNumber: { required: true, label: 'Mobile' }, title: { label: 'Subject', placeholder: 'In a few words' } },
      layout: ['email', 'phoneNumber', 42623],
    });
    const { fields } = (await (await getForm()).json()) as FormDefinition;
    expect(fields.map((field) => field.path)).toEqual(['creator.email', 'creator.phoneNumber', 'customFields.42623', 'title', 'message']);
    expect(fields[1]).toMatchObject({ control: 'phone', required: true, label: 'Mobile' });
    expect(fields[3]).toMatchObject({ control: 'text', required: true, label: 'Subject', placeholder: 'In a few words' });
  });

  it("serves the operator's texts in the widget's language (?locale=), from one fetch of the definitions", async () => {
    const { getForm, upstream } = setup({
      fields: [{ id: 42623, label: { en: 'Region', nb: 'Fylke' }, placeholder: { '*': 'Pick one', sv: 'Välj' } }],
      builtIn: { name: { label: { nb: 'Fullt navn' } }, phoneNumber: { label: 'Mobile' } },
      categories: { picker: true, label: { en: 'Topic', de: 'Thema' } },
    });
    const labels = async (query: string) => {
      const { fields } = (await (await getForm({}, query)).json()) as FormDefinition;
      return Object.fromEntries(fields.map((field) => [field.path, [field.label, field.placeholder]]));
    };
    const nb = await labels('?locale=nb-NO');
    expect(nb['customFields.42623']).toEqual(['Fylke', 'Pick one']);
    // nb has its own name label; the phone label is the same in every language.
    expect(nb['creator.name']).toEqual(['Fullt navn', undefined]);
    expect(nb['creator.phoneNumber']?.[0]).toBe('Mobile');
    // A language the config does not name falls back: Socialboards' name for a custom field, the
    // widget's own word (no label) for a built-in field and the picker.
    const sv = await labels('?locale=sv');
    expect(sv['customFields.42623']).toEqual(['Shop region', 'Välj']);
    expect(sv['creator.name']).toEqual([undefined, undefined]);
    expect(sv.categoryId?.[0]).toBeUndefined();
    expect((await labels('?locale=de')).categoryId?.[0]).toBe('Thema');
    // No locale, or a malformed one: the default copy.
    expect(await labels('')).toEqual(await labels('?locale=%3Cscript%3E'));
    expect((await labels(''))['customFields.42623']).toEqual(['Shop region', 'Pick one']);
    expect(upstream.listCalls()).toHaveLength(2);
  });

  it('gives each language its own ETag', async () => {
    const { getForm } = setup({ fields: [{ id: 42623, label: { en: 'Region', nb: 'Fylke' } }] });
    const [en, nb] = await Promise.all([getForm({}, '?locale=en'), getForm({}, '?locale=nb')]);
    expect(en.headers.get('ETag')).not.toBe(nb.headers.get('ETag'));
  });

  it('answers with a strong ETag and caching headers for browsers and CDNs', async () => {
    const response = await setup().getForm();
    expect(response.headers.get('ETag')).toMatch(/^"[\da-f]{32}"$/);
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=60, stale-while-revalidate=300');
    expect(response.headers.get('Vary')).toBe('Origin');
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe(ORIGIN);
    expect(response.headers.get('Access-Control-Expose-Headers')).toContain('ETag');
  });

  it('answers 304 without a body when If-None-Match names the current ETag', async () => {
    const { getForm } = setup();
    const etag = (await getForm()).headers.get('ETag') ?? '';
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const response = await getForm({ 'If-None-Match': header });
      expect(response.status).toBe(304);
      expect(await response.text()).toBe('');
      expect(response.headers.get('ETag')).toBe(etag);
      expect(response.headers.get('Cache-Control')).toBe('public, max-age=60, stale-while-revalidate=300');
    }
    expect((await getForm({ 'If-None-Match': '"stale"' })).status).toBe(200);
  });

  it('gives a different ETag to a different form', async () => {
    const one = (await setup({ fields: [{ id: 42623 }] }).getForm()).headers.get('ETag');
    const two = (await setup({ fields: [{ id: 42624 }] }).getForm()).headers.get('ETag');
    expect(one).not.toBe(two);
  });

  it('refuses another origin with 403, no CORS headers and no call to Socialboards', async () => {
    const { app, upstream } = setup();
    const response = await app.request('/form', { headers: { Origin: 'https://evil.example' } });
    expect(response.status).toBe(403);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(upstream.calls).toEqual([]);
  });

  it('fetches the definitions once per TTL, however many visitors ask', async () => {
    const { getForm, upstream, clock } = setup();
    await Promise.all([getForm(), getForm(), getForm()]);
    await getForm();
    expect(upstream.listCalls().map((call) => new URL(call.url).pathname)).toEqual(['/customfields', '/categories']);
    clock.now += 300_000;
    await getForm();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(upstream.listCalls()).toHaveLength(4);
  });

  it('fetches only the list it needs', async () => {
    const { getForm, upstream } = setup({ categories: { picker: true } });
    await getForm();
    expect(upstream.listCalls().map((call) => new URL(call.url).pathname)).toEqual(['/categories']);
  });

  it('keeps serving the last good copy while Socialboards is down', async () => {
    const down = () => envelope(null, 500, 'Server error', 500);
    const { getForm, clock, logs, upstream } = setup(EVERY_CONTROL_FORM, { customFields: [() => envelope(CUSTOM_FIELDS), down, down] });
    const first = await getForm();
    const body = await first.text();
    clock.now += 300_000;
    const stale = await getForm();
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe(body);
    await new Promise((resolve) => setTimeout(resolve, 0));
    clock.now += 60_000;
    const later = await getForm();
    expect(await later.text()).toBe(body);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(upstream.listCalls().filter((call) => call.url.endsWith('/customfields'))).toHaveLength(3);
    expect(logs.records()).toContainEqual(expect.objectContaining({ msg: 'form definitions could not be refreshed; serving the last good copy' }));
  });

  it('answers 502 upstream_unavailable, not to be cached, when Socialboards is down and there is no copy', async () => {
    const { getForm } = setup(EVERY_CONTROL_FORM, { customFields: [() => new Response('', { status: 503 })] });
    const response = await getForm();
    expect(response.status).toBe(502);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(await errorOf(response)).toEqual({ code: 'upstream_unavailable', message: 'The help desk could not be reached; try again shortly.' });
  });

  it('logs each problem with the config once, not on every refresh', async () => {
    const { getForm, clock, logs } = setup({ fields: [{ id: 1 }, { id: 42626 }] });
    await getForm();
    clock.now += 300_000;
    await getForm();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const problems = logs.records().filter((record) => record.msg === 'form config problem');
    expect(problems.map((record) => record.problem)).toEqual([
      "custom field 1 is not in the community's custom field list; left out",
      expect.stringContaining('custom field 42626 (Lead source, type text) is hidden in Socialboards'),
    ]);
  });
});

describe('POST /tickets with built-in fields configured', () => {
  it('refuses a name with unknown_field when the operator hides it, and sends nothing', async () => {
    const { post, upstream } = setup({ builtIn: { name: { hidden: true } } });
    const response = await post(SEED);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({
      code: 'validation',
      message: 'Invalid field: creator.name.',
      fields: [{ path: 'creator.name', code: 'unknown_field', message: 'This field is not accepted.' }],
    });
    expect(upstream.ticketCalls()).toEqual([]);
    expect((await post({ ...SEED, creator: { email: 'ann@example.com' } })).status).toBe(201);
  });

  it('creates a ticket without an email when the operator makes it optional', async () => {
    const { post, sentBody } = setup({ builtIn: { email: { required: false } } });
    const response = await post({ ...SEED, creator: { name: 'Ann' } });
    expect(response.status).toBe(201);
    expect(sentBody().creator).toMatchObject({ name: 'Ann', email: null });
  });

  it('requires a phone number when the operator says so, and checks its format', async () => {
    const { post, sentBody } = setup({ builtIn: { phoneNumber: { required: true } } });
    const missing = await post(SEED);
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).fields).toEqual([{ path: 'creator.phoneNumber', code: 'required', message: 'This field is required.' }]);
    const wrong = await post({ ...SEED, creator: { ...SEED.creator, phoneNumber: 'call me' } });
    expect((await errorOf(wrong)).fields).toEqual([expect.objectContaining({ path: 'creator.phoneNumber', code: 'invalid_phone' })]);
    expect((await post({ ...SEED, creator: { ...SEED.creator, phoneNumber: ' +47 22 33 44 55 ' } })).status).toBe(201);
    expect(sentBody().creator).toMatchObject({ phoneNumber: '+47 22 33 44 55' });
  });

  it('refuses a sentiment the operator hides', async () => {
    const { post } = setup({ builtIn: { sentiment: { hidden: true } } });
    const response = await post({ ...SEED, sentiment: 'praise' });
    expect((await errorOf(response)).fields).toEqual([expect.objectContaining({ path: 'sentiment', code: 'unknown_field' })]);
  });
});

describe('POST /tickets with a form', () => {
  it('sends every control upstream as {id, value} strings in its format', async () => {
    const { post, sentBody } = setup();
    const response = await post({ ...SEED, customFields: EVERY_CONTROL_VALUES, categoryId: 15601 });
    expect(response.status).toBe(201);
    expect(sentBody()).toMatchObject({ customFields: EVERY_CONTROL_UPSTREAM, categoryId: 15601 });
  });

  it('leaves out blank optional values and sends the pinned category when the visitor chose none', async () => {
    const { post, sentBody } = setup();
    const response = await post({ ...SEED, customFields: [...REQUIRED_ONLY, { id: 42631, value: '  ' }, { id: 42634, value: 'false' }] });
    expect(response.status).toBe(201);
    expect(sentBody()).toMatchObject({
      customFields: [{ id: 42625, value: 'Model Y' }, { id: 42634, value: 'no' }],
      categoryId: 15721,
    });
  });

  it('refuses a forged field id with unknown_field naming it, and sends nothing', async () => {
    const { post, upstream } = setup();
    const response = await post({ ...SEED, customFields: [...REQUIRED_ONLY, { id: 42624, value: 'A-1' }] });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({
      code: 'validation',
      message: 'Invalid field: customFields.42624.',
      fields: [{ path: 'customFields.42624', code: 'unknown_field', message: 'This field is not accepted.' }],
    });
    expect(upstream.ticketCalls()).toEqual([]);
  });

  it.each([
    ['a region that is not an option', 42623, 'Bergen', 'invalid_choice'],
    ['a number with a comma', 42629, '12,5', 'invalid_number'],
    ['a date that does not exist', 42630, '2025-02-30', 'invalid_date'],
    ['a date in another format', 42630, '07.03.2025', 'invalid_date'],
    ['a bad email', 42631, 'ann@', 'invalid_email'],
    ['a bad phone', 42632, 'call me', 'invalid_phone'],
    ['a non-web address', 42633, 'ftp://cars.example/x', 'invalid_url'],
    ['a checkbox value other than true or false', 42634, 'yes', 'invalid'],
    ['an option the multichoice does not have', 42635, 'Leasing', 'invalid_choice'],
  ])('refuses %s with 400 naming the field', async (_name, id, value, code) => {
    const { post, upstream } = setup();
    const response = await post({ ...SEED, customFields: [...REQUIRED_ONLY, { id, value }] });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).fields).toEqual([expect.objectContaining({ path: `customFields.${id}`, code })]);
    expect(upstream.ticketCalls()).toEqual([]);
  });

  it("refuses a value over the operator's maxLength with its limit", async () => {
    const { post } = setup();
    const response = await post({ ...SEED, customFields: [...REQUIRED_ONLY, { id: 42628, value: 'x'.repeat(501) }] });
    expect((await errorOf(response)).fields).toEqual([
      { path: 'customFields.42628', code: 'too_long', limit: 500, message: 'Use at most 500 characters.' },
    ]);
  });

  it('refuses the same single-value field twice', async () => {
    const { post } = setup();
    const response = await post({ ...SEED, customFields: [...REQUIRED_ONLY, { id: 42623, value: 'Oslo' }, { id: 42623, value: 'Agder' }] });
    expect((await errorOf(response)).fields).toEqual([expect.objectContaining({ path: 'customFields.42623', code: 'invalid' })]);
  });

  it('refuses a missing required custom field with required naming it', async () => {
    const { post, upstream } = setup();
    for (const customFields of [undefined, [{ id: 42625, value: '   ' }]]) {
      const response = await post({ ...SEED, customFields });
      expect(response.status).toBe(400);
      expect((await errorOf(response)).fields).toEqual([
        { path: 'customFields.42625', code: 'required', message: 'This field is required.' },
      ]);
    }
    expect(upstream.ticketCalls()).toEqual([]);
  });

  it.each([
    ['a category outside the offered subtrees', 15721],
    ['a category that does not exist', 99],
  ])('refuses %s with categoryId invalid_choice', async (_name, categoryId) => {
    const { post, upstream } = setup();
    const response = await post({ ...SEED, customFields: REQUIRED_ONLY, categoryId });
    expect((await errorOf(response)).fields).toEqual([
      { path: 'categoryId', code: 'invalid_choice', message: 'Choose one of the offered options.' },
    ]);
    expect(upstream.ticketCalls()).toEqual([]);
  });

  it('refuses any category when the operator offers no picker', async () => {
    const { post } = setup({ fields: [{ id: 42623 }] });
    const response = await post({ ...SEED, categoryId: 15597 });
    expect((await errorOf(response)).fields).toEqual([expect.objectContaining({ path: 'categoryId', code: 'unknown_field' })]);
  });

  it('requires a category when the operator says so', async () => {
    const { post } = setup({ categories: { picker: true, required: true } });
    const response = await post(SEED);
    expect((await errorOf(response)).fields).toEqual([expect.objectContaining({ path: 'categoryId', code: 'required' })]);
  });

  it('lists custom field problems beside the base fields', async () => {
    const { post } = setup();
    const response = await post({ ...SEED, title: '', customFields: REQUIRED_ONLY });
    expect((await errorOf(response)).fields).toEqual([expect.objectContaining({ path: 'title', code: 'required' })]);
    const second = await post({ ...SEED, customFields: [{ id: 42629, value: 'many' }, { id: 42630, value: 'soon' }] });
    expect(await errorOf(second)).toMatchObject({
      message: 'Invalid fields: customFields.42625, customFields.42629, customFields.42630.',
    });
  });

  it('answers 502 and sends nothing when the form cannot be loaded', async () => {
    const { post, upstream } = setup(EVERY_CONTROL_FORM, { customFields: [() => new Response('', { status: 503 })] });
    const response = await post({ ...SEED, customFields: REQUIRED_ONLY });
    expect(response.status).toBe(502);
    expect((await errorOf(response)).code).toBe('upstream_unavailable');
    expect(upstream.ticketCalls()).toEqual([]);
  });

  it('never writes a custom field value to the log: success, validation failure, upstream refusal', async () => {
    const { post, logs } = setup(EVERY_CONTROL_FORM, {
      tickets: [() => envelope(1), () => envelope(null, 1, 'customFields[3].value: "CN-775-SECRET" is not a customer; "Model Y"', 400)],
    });
    expect((await post({ ...SEED, customFields: EVERY_CONTROL_VALUES })).status).toBe(201);
    expect((await post({ ...SEED, customFields: [...EVERY_CONTROL_VALUES.slice(1), { id: 42629, value: 'CN-775-SECRET' }] })).status).toBe(400);
    expect((await post({ ...SEED, title: 'Another', customFields: EVERY_CONTROL_VALUES })).status).toBe(502);
    const text = logs.lines.join('\n');
    expect(text).toContain('customFields[3].value: \\"[redacted]\\" is not a customer; \\"[redacted]\\"');
    // "true" is left out of the scan: log lines carry JSON booleans.
    for (const { value } of EVERY_CONTROL_VALUES.filter((field) => field.value !== 'true')) {
      expect(text).not.toContain(value);
    }
  });
});
