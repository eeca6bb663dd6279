import { afterEach, describe, expect, it } from 'vitest';
import { CATEGORY_PATH, customFieldId } from '../../../src/shared/form-definition';
import type { FormDefinition } from '../../../src/shared/form-definition';
import { EVERY_CONTROL_FORM, EVERY_CONTROL_UPSTREAM, EVERY_CONTROL_VALUES } from '../helpers';
import { ORIGIN, startHarness } from './harness';
import type { Harness } from './harness';

const SEED = {
  title: 'Scratch on my new car',
  message: 'Hello, the car I bought has a scratch.',
  creator: { name: 'Ann', email: 'ann@example.com' },
};
const REQUIRED_ONLY = [{ id: 42625, value: 'Model Y' }];
const PINNED_ENV = { RELAY_CATEGORY_ID: '15721' };

const getForm = (h: Harness, headers: Record<string, string> = {}) => h.send('/form', { headers: { Origin: ORIGIN, ...headers } });
const ticketPosts = async (h: Harness) =>
  (await h.fakeRequests()).filter((request) => request.method === 'POST' && request.path === '/tickets');
const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { code: string; fields?: { path: string; code: string }[] } }).error;
/** Lets a background refresh run to its end. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('custom fields and categories, relay → fake Socialboards over HTTP', () => {
  it('delivers a value for every control in its format, the region as "Oslo", and the visitor\'s category', async () => {
    h = await startHarness(PINNED_ENV, { form: EVERY_CONTROL_FORM });
    const response = await h.post({ ...SEED, customFields: EVERY_CONTROL_VALUES, categoryId: 15602 });
    expect(response.status).toBe(201);
    const [ticket] = await h.fakeTickets();
    expect(ticket?.body.customFields).toEqual(EVERY_CONTROL_UPSTREAM);
    expect(ticket?.body.customFields).toContainEqual({ id: 42623, value: 'Oslo' });
    expect(ticket?.body.categoryId).toBe(15602);
  });

  it('sends the pinned category when the visitor chooses none', async () => {
    h = await startHarness(PINNED_ENV, { form: EVERY_CONTROL_FORM });
    expect((await h.post({ ...SEED, customFields: REQUIRED_ONLY })).status).toBe(201);
    const [ticket] = await h.fakeTickets();
    expect(ticket?.body).toMatchObject({ customFields: REQUIRED_ONLY, categoryId: 15721 });
  });

  it.each([
    ['a forged field id', [...REQUIRED_ONLY, { id: 42624, value: 'A-1' }], undefined, 'customFields.42624', 'unknown_field'],
    ['a forged value', [...REQUIRED_ONLY, { id: 42623, value: 'Bergen' }], undefined, 'customFields.42623', 'invalid_choice'],
    ['a category not offered', REQUIRED_ONLY, 15721, 'categoryId', 'invalid_choice'],
  ])('refuses %s, and nothing reaches Socialboards', async (_name, customFields, categoryId, path, code) => {
    h = await startHarness(PINNED_ENV, { form: EVERY_CONTROL_FORM });
    const response = await h.post({ ...SEED, customFields, ...(categoryId === undefined ? {} : { categoryId }) });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).fields).toEqual([expect.objectContaining({ path, code })]);
    expect(await ticketPosts(h)).toEqual([]);
    expect(await h.fakeTickets()).toEqual([]);
  });

  it('serves GET /form with an ETag that a second request revalidates to 304', async () => {
    h = await startHarness(PINNED_ENV, { form: EVERY_CONTROL_FORM });
    const first = await getForm(h);
    expect(first.status).toBe(200);
    const form = (await first.json()) as FormDefinition;
    expect(form.fields.flatMap((field) => customFieldId(field.path) ?? [])).toEqual(EVERY_CONTROL_FORM.fields.map((field) => field.id));
    expect(form.fields.find((field) => field.path === CATEGORY_PATH)?.choices).toHaveLength(6);
    const second = await getForm(h, { 'If-None-Match': first.headers.get('ETag') ?? '' });
    expect(second.status).toBe(304);
    expect((await h.fakeRequests()).filter((request) => request.path === '/customfields')).toHaveLength(1);
  });

  it('keeps answering GET /form from the last good copy while Socialboards fails', async () => {
    const clock = { now: Date.now() };
    h = await startHarness(PINNED_ENV, { form: EVERY_CONTROL_FORM, now: () => clock.now });
    const first = await getForm(h);
    const body = await first.text();

    await h.fault({ kind: 'error', path: '/customfields', rate: 1 });
    clock.now += 301_000;
    const stale = await getForm(h);
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe(body);
    await settle();
    const again = await getForm(h);
    expect(again.status).toBe(200);
    expect(again.headers.get('ETag')).toBe(first.headers.get('ETag'));

    const lists = (await h.fakeRequests()).filter((request) => request.path === '/customfields');
    expect(lists.map((request) => request.status)).toEqual([200, 500]);
    expect(h.logLines.join('\n')).toContain('serving the last good copy');
    // A ticket still goes through, checked against the last good copy.
    expect((await h.post({ ...SEED, customFields: REQUIRED_ONLY })).status).toBe(201);
  });

  it('answers 502 to GET /form when Socialboards fails before the first copy', async () => {
    h = await startHarness(PINNED_ENV, { form: EVERY_CONTROL_FORM });
    await h.fault({ kind: 'error', path: '/customfields' });
    const response = await getForm(h);
    expect(response.status).toBe(502);
    expect((await errorOf(response)).code).toBe('upstream_unavailable');
  });

  it("asks and enforces the built-in fields as the operator configures them: name hidden, email optional, phone required", async () => {
    const builtIn = { name: { hidden: true }, email: { required: false }, phoneNumber: { required: true, label: 'Mobile' } };
    h = await startHarness(PINNED_ENV, { form: { ...EVERY_CONTROL_FORM, builtIn, layout: ['phoneNumber'] } });
    const { fields } = (await (await getForm(h)).json()) as FormDefinition;
    expect(fields[0]).toMatchObject({ path: 'creator.phoneNumber', required: true, label: 'Mobile' });
    expect(fields.map((field) => field.path)).not.toContain('creator.name');
    expect(fields.find((field) => field.path === 'creator.email')?.required).toBe(false);

    const named = await h.post({ ...SEED, customFields: REQUIRED_ONLY, creator: { name: 'Ann', phoneNumber: '+47 22 33 44 55' } });
    expect(named.status).toBe(400);
    expect((await errorOf(named)).fields).toEqual([expect.objectContaining({ path: 'creator.name', code: 'unknown_field' })]);
    const noPhone = await h.post({ ...SEED, customFields: REQUIRED_ONLY, creator: {} });
    expect((await errorOf(noPhone)).fields).toEqual([expect.objectContaining({ path: 'creator.phoneNumber', code: 'required' })]);
    expect(await h.fakeTickets()).toEqual([]);

    // An email still, though optional: the fake, like Socialboards (ASSUMED), wants an email or a name.
    expect((await h.post({ ...SEED, customFields: REQUIRED_ONLY, creator: { email: 'ann@example.com', phoneNumber: '+47 22 33 44 55' } })).status).toBe(201);
    const [ticket] = await h.fakeTickets();
    expect(ticket?.body.creator).toMatchObject({ name: null, email: 'ann@example.com', phoneNumber: '+47 22 33 44 55' });
  });

  it('logs no custom field value, sensitive or not', async () => {
    h = await startHarness({ ...PINNED_ENV, RELAY_LOG: 'debug' }, { form: EVERY_CONTROL_FORM });
    expect((await h.post({ ...SEED, customFields: EVERY_CONTROL_VALUES })).status).toBe(201);
    const forged = [...EVERY_CONTROL_VALUES.filter((field) => field.id !== 42629), { id: 42629, value: 'CN-775-SECRET' }];
    expect((await h.post({ ...SEED, customFields: forged })).status).toBe(400);
    const text = h.logLines.join('\n');
    expect(text).not.toContain('CN-775-SECRET');
    expect(text).not.toContain('spring-campaign');
    expect(text).not.toContain('Oslo');
  });
});
