/** Values the integrator sets from the page (options, data attributes, handle.prefill) and fields it locks. */
import { ok } from '../../src/shared/result';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { Prefill } from '../../src/submitter/prefill';
import { formWith, DEPARTMENT } from './forms';
import type { FormDefinition } from '../../src/shared/form-definition';
import type { LoadFormResult } from '../../src/submitter/load-form';
import { mount, mountWith, type WidgetHandle } from '../../src/widget/mount';
import { optionsFromDataset, parseOptions } from '../../src/widget/options';
import { json, stubRelay } from './fake-relay';
import { choose, control, deferred, description, fillBuiltIns, renderWidget, sendButton, type, type RenderOptions } from './render-widget';

const FORM: FormDefinition = formWith([
  DEPARTMENT,
    { path: 'customFields.42623', label: 'City', control: 'text', required: true },
    { path: 'customFields.3', label: 'Budget', control: 'number', required: false },
    { path: 'customFields.8', label: 'Newsletter', control: 'checkbox', required: false },
    {
      path: 'customFields.9',
      label: 'Dealer',
      control: 'choice',
      required: false,
      defaultValue: 'osl',
      choices: [
        { value: 'osl', label: 'Oslo Motors' },
        { value: 'bgo', label: 'Bergen Bil' },
      ],
    },
    {
      path: 'customFields.10',
      label: 'Models',
      control: 'multichoice',
      required: false,
      choices: [
        { value: 'audi', label: 'Audi' },
        { value: 'bmw', label: 'BMW' },
      ],
    },
    { path: 'customFields.11', label: 'Customer number', control: 'number', required: false, prefillOnly: true },
]);

const setup = (options: RenderOptions = {}) => renderWidget({ form: FORM, ...options });
const ready = () => screen.findByLabelText('City');
const value = (label: string | RegExp) => control(label).value;
const models = () => screen.getByRole('group', { name: /^Models/ });
const checked = (label: string) => within(models()).getByLabelText<HTMLInputElement>(label).checked;

// happy-dom misplaces the selection of a <select> created with an option already selected
// (capricorn86/happy-dom#2372; browsers keep that option), so a prefilled select is read here
// only once it was on screen before the prefill, and otherwise through what is sent.

afterEach(cleanup);

describe('prefill', () => {
  const PREFILL = {
    name: 'Bill Smith',
    email: 'bill_smith@gmail.com',
    sentiment: 'question' as const,
    categoryId: 13,
    fields: { 42623: 'Oslo', 8: 'true', 9: 'bgo', 10: ['audi', 'bmw'], 11: '1001' },
  };

  it('fills the built-in and custom controls', async () => {
    setup({ prefill: PREFILL });
    await ready();
    expect(value(/^Your name/)).toBe('Bill Smith');
    expect(value('Email')).toBe('bill_smith@gmail.com');
    expect(control('Question').checked).toBe(true);
    expect(value('City')).toBe('Oslo');
    expect(control(/^Newsletter/).checked).toBe(true);
    expect([checked('Audi'), checked('BMW')]).toEqual([true, true]);
  });

  it('chooses the prefilled option and category in selects already on screen', async () => {
    const { widget } = setup();
    await ready();
    widget.prefill({ categoryId: 13, fields: { 9: 'bgo' } });
    await waitFor(() => expect(value(/^Dealer/)).toBe('bgo'));
    expect(value(/^Department/)).toBe('13');
  });

  it('sends prefilled values, including those of fields the visitor does not see', async () => {
    const { sent } = setup({ prefill: PREFILL });
    await ready();
    type(control('Subject'), 'New car price list.');
    type(control('Message'), 'Hello');
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(sent[0]).toMatchObject({
      sentiment: 'question',
      creator: { name: 'Bill Smith', email: 'bill_smith@gmail.com' },
      categoryId: 13,
      customFields: [
        { id: 42623, value: 'Oslo' },
        { id: 8, value: 'true' },
        { id: 9, value: 'bgo' },
        { id: 10, value: 'audi' },
        { id: 10, value: 'bmw' },
        { id: 11, value: '1001' },
      ],
    });
  });

  it('fills the built-in fields at once and the custom ones when the definition arrives', async () => {
    const load = deferred<LoadFormResult>();
    setup({ prefill: PREFILL, loadForm: () => load.promise });
    expect(value('Email')).toBe('bill_smith@gmail.com');
    expect(screen.queryByLabelText('City')).toBeNull();
    load.resolve(ok(FORM));
    await ready();
    expect(value('City')).toBe('Oslo');
    expect([checked('Audi'), checked('BMW')]).toEqual([true, true]);
  });

  it('keeps what the visitor typed over a prefilled field when the definition arrives later', async () => {
    const load = deferred<LoadFormResult>();
    setup({ prefill: { name: 'Bill Smith' }, loadForm: () => load.promise });
    type(control(/^Your name/), 'William Smith');
    load.resolve(ok(FORM));
    await ready();
    expect(value(/^Your name/)).toBe('William Smith');
  });

  it('reports a prefill for a field the form does not have once, and does not send it', async () => {
    const { sent, report } = setup({ prefill: { fields: { 42623: 'Oslo', 99999: 'Oslo' } } });
    await ready();
    fillBuiltIns();
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(sent[0]!.customFields).toEqual([
      { id: 42623, value: 'Oslo' },
      { id: 9, value: 'osl' },
    ]);
    fireEvent.click(screen.getByRole('button', { name: 'Send another message' }));
    await ready();
    expect(report.mock.calls).toEqual([['prefill sets 99999, but this form does not ask for it; it was ignored']]);
  });

  it.each([
    ['Budget (optional)', { fields: { 3: '3,5' } }, 'Enter a number, like 42 or 3.5.'],
    ['Email', { email: 'bill_smith@' }, 'Enter an email address like name@example.com.'],
  ])('shows what is wrong with an invalid prefill of %s under it', async (label, prefill, text) => {
    const { report } = setup({ prefill });
    await ready();
    await waitFor(() => expect(description(control(label))).toBe(text));
    expect(report).not.toHaveBeenCalled();
  });

  it('takes numbers and booleans as text, and reports null or an object without breaking the form', async () => {
    const prefill = { name: null, fields: { 3: 42, 8: true, 42623: { city: 'Oslo' } } } as unknown as Prefill;
    const { sent, report } = setup({ prefill });
    await ready();
    expect(report.mock.calls).toEqual([['prefill for name must be text'], ['prefill for 42623 must be text']]);
    expect(value('Budget (optional)')).toBe('42');
    fillBuiltIns();
    type(control('City'), 'Oslo');
    fireEvent.blur(control('City'));
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(sent[0]!.customFields).toEqual([
      { id: 42623, value: 'Oslo' },
      { id: 3, value: '42' },
      { id: 8, value: 'true' },
      { id: 9, value: 'osl' },
    ]);
  });

  it('reports an invalid prefill of a field the visitor does not see, shows nothing, and still sends', async () => {
    const { sent, report } = setup({ prefill: { fields: { 11: 'C-1001' } } });
    await ready();
    expect(report.mock.calls).toEqual([['prefill for hidden field 11 is not valid (invalid_number); it was ignored']]);
    expect(screen.queryByText('Enter a number, like 42 or 3.5.')).toBeNull();
    fillBuiltIns();
    type(control('City'), 'Oslo');
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(sent[0]!.customFields).toEqual([
      { id: 42623, value: 'Oslo' },
      { id: 9, value: 'osl' },
    ]);
    expect(report).toHaveBeenCalledTimes(1);
  });
  it('reports a prefilled category when the form offers none, and still sends', async () => {
    const { sent, report } = setup({ form: { fields: FORM.fields.filter(({ path }) => path !== 'categoryId') }, prefill: { categoryId: 13 } });
    await ready();
    fillBuiltIns();
    type(control('City'), 'Oslo');
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(JSON.stringify(sent[0])).not.toContain('categoryId');
    expect(report.mock.calls).toEqual([['prefill sets categoryId, but this form does not ask for it; it was ignored']]);
  });
});

describe('lockFields', () => {
  const PREFILL = { email: 'bill_smith@gmail.com', name: 'Bill Smith', categoryId: 13, fields: { 42623: 'Oslo', 8: 'false', 9: 'bgo', 10: ['audi', 'bmw'] } };

  it.each([
    ['Email', 'bill_smith@gmail.com'],
    [/^Your name/, 'Bill Smith'],
    ['City', 'Oslo'],
    [/^Newsletter/, 'No'],
    [/^Dealer/, 'Bergen Bil'],
    [/^Models/, 'Audi, BMW'],
    [/^Department/, 'New cars'],
  ])('with true, shows prefilled %s read-only as %j', async (label, shown) => {
    setup({ prefill: PREFILL, lockFields: true });
    await ready();
    const input = control(label);
    expect(input.tagName).toBe('INPUT');
    expect(input.readOnly).toBe(true);
    expect(input.value).toBe(shown);
  });

  it('says "Yes" for a locked ticked checkbox', async () => {
    setup({ prefill: { fields: { 8: 'true' } }, lockFields: true });
    await ready();
    expect(value(/^Newsletter/)).toBe('Yes');
  });

  it('unlocks a locked field whose prefilled value is wrong, so the visitor can fix it', async () => {
    setup({ prefill: { email: 'bill_smith@' }, lockFields: true });
    await ready();
    await waitFor(() => expect(description(control('Email'))).toBe('Enter an email address like name@example.com.'));
    expect(control('Email').readOnly).toBe(false);
  });

  it('leaves fields that were not prefilled editable', async () => {
    setup({ prefill: PREFILL, lockFields: true });
    await ready();
    for (const label of ['Subject', 'Message', /^Phone/, /^Budget/]) expect(control(label).readOnly).toBe(false);
  });

  it('ignores typing in a locked field and sends the prefilled values', async () => {
    const { sent } = setup({ prefill: PREFILL, lockFields: true });
    await ready();
    type(control('Subject'), 'New car price list.');
    type(control('Message'), 'Hello');
    type(control('Email'), 'someone_else@example.com');
    type(control('City'), 'Bergen');
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(sent[0]!.creator?.email).toBe('bill_smith@gmail.com');
    expect(sent[0]!.customFields).toContainEqual({ id: 42623, value: 'Oslo' });
  });

  it('with a list, locks only the fields it names', async () => {
    setup({ prefill: PREFILL, lockFields: ['email'] });
    await ready();
    expect(control('Email').readOnly).toBe(true);
    expect(control(/^Your name/).readOnly).toBe(false);
    expect(control('City').readOnly).toBe(false);
    expect(control(/^Dealer/).tagName).toBe('SELECT');
  });

  it('locks a custom field named by its id', async () => {
    setup({ prefill: PREFILL, lockFields: ['42623'] });
    await ready();
    expect(control('City').readOnly).toBe(true);
    expect(control('Email').readOnly).toBe(false);
  });
});

describe('another message', () => {
  it('brings back prefilled and default values, and empties the rest', async () => {
    setup({ prefill: { name: 'Bill Smith', fields: { 42623: 'Oslo' } } });
    await ready();
    fillBuiltIns();
    type(control(/^Your name/), 'William Smith');
    type(control('City'), 'Bergen');
    choose(control(/^Dealer/), 'bgo');
    type(control(/^Budget/), '12');
    fireEvent.click(sendButton());
    fireEvent.click(await screen.findByRole('button', { name: 'Send another message' }));
    await ready();
    expect([value('Subject'), value('Email'), value(/^Budget/)]).toEqual(['', '', '']);
    expect(value(/^Your name/)).toBe('Bill Smith');
    expect(value('City')).toBe('Oslo');
    expect(value(/^Dealer/)).toBe('osl');
  });
});

describe('from the page', () => {
  const RELAY = 'https://relay.example';
  let errors: MockInstance<typeof console.error>;
  let handle: WidgetHandle | undefined;

  beforeEach(() => {
    errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    stubRelay({ '/form': json(200, FORM) });
  });

  afterEach(() => {
    handle?.unmount();
    document.body.replaceChildren();
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });

  const target = () => document.body.appendChild(document.createElement('div'));
  const view = () => within(handle!.element!.shadowRoot! as unknown as HTMLElement);
  const field = (label: string | RegExp) => view().getByLabelText<HTMLInputElement>(label);

  it('takes values from handle.prefill() after mounting', async () => {
    handle = mount(target(), { relay: RELAY, prefill: { name: 'Bill Smith' } });
    await view().findByLabelText('City');
    handle.prefill({ email: 'a@b.co', fields: { 42623: 'Oslo' } });
    await waitFor(() => expect(field('City').value).toBe('Oslo'));
    expect(field('Email').value).toBe('a@b.co');
    expect(field(/^Your name/).value).toBe('Bill Smith');
    expect(errors).not.toHaveBeenCalled();
  });

  it('keeps what the visitor typed in other fields when handle.prefill() is called later', async () => {
    handle = mount(target(), { relay: RELAY, prefill: { name: 'Bill Smith', fields: { 42623: 'Oslo' } } });
    await view().findByLabelText('City');
    fireEvent.input(field(/^Your name/), { target: { value: 'William Smith' } });
    fireEvent.input(field('City'), { target: { value: 'Bergen' } });
    handle.prefill({ email: 'a@b.co' });
    await waitFor(() => expect(field('Email').value).toBe('a@b.co'));
    expect(field(/^Your name/).value).toBe('William Smith');
    expect(field('City').value).toBe('Bergen');
  });

  it('locks custom fields named by number in lockFields', async () => {
    handle = mount(target(), { relay: RELAY, prefill: { fields: { 42623: 'Oslo' } }, lockFields: [42623] as unknown as string[] });
    await view().findByLabelText('City');
    expect(field('City').readOnly).toBe(true);
    expect(errors).not.toHaveBeenCalled();
  });

  // An element's dataset keeps `data-field-42623` as `field-42623` (a hyphen before a digit
  // stays), as browsers do; happy-dom leaves such keys out, so the dataset is written out here.
  it('reads data-field-<id>, data-prefill and data-lock-fields into options', () => {
    const dataset = { relay: RELAY, 'field-42623': 'Oslo', prefill: '{"email":"a@b.co"}', lockFields: 'email, 42623' };
    expect(parseOptions(optionsFromDataset(dataset), true)).toEqual({
      config: {
        relay: RELAY,
        prefill: { email: 'a@b.co', fields: { 42623: 'Oslo' } },
        lockFields: ['email', '42623'],
      },
      problems: [],
    });
  });

  it('lets data-field-<id> win over the same field in data-prefill', () => {
    expect(optionsFromDataset({ prefill: '{"fields":{"42623":"Bergen","3":"12"}}', 'field-42623': 'Oslo' })).toEqual({
      prefill: { fields: { 3: '12', 42623: 'Oslo' } },
    });
  });

  it.each([
    ['""', '', true],
    ['"true"', 'true', true],
    ['"false"', 'false', false],
  ])('reads data-lock-fields=%s as %j', (_, text, lock) => {
    expect(optionsFromDataset({ lockFields: text })).toEqual({ lockFields: lock });
  });

  it('names an unknown prefill key as the integrator wrote it, and keeps the rest', () => {
    expect(parseOptions({ relay: RELAY, prefill: { emial: 'a@b.co', name: 'Bill' } }, true)).toEqual({
      config: { relay: RELAY, prefill: { name: 'Bill' } },
      problems: ['data-prefill has an unknown key "emial" (ignored)'],
    });
    expect(parseOptions({ relay: RELAY, prefill: { emial: 'a@b.co' } }).problems).toEqual([
      'option "prefill" has an unknown key "emial" (ignored)',
    ]);
  });

  it('fills and locks what a script tag’s data attributes say', async () => {
    const options = optionsFromDataset({ relay: RELAY, 'field-42623': 'Oslo', prefill: '{"email":"a@b.co"}', lockFields: 'email,42623' });
    handle = mountWith(target(), options, true);
    await view().findByLabelText('City');
    expect([field('City').value, field('City').readOnly]).toEqual(['Oslo', true]);
    expect([field('Email').value, field('Email').readOnly]).toEqual(['a@b.co', true]);
    expect(errors).not.toHaveBeenCalled();
  });
});
