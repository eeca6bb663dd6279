/** The operator's custom fields and category picker as a visitor meets them: controls, messages, sending and loading. */
import { fail, ok } from '../../src/shared/result';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { FormDefinition } from '../../src/shared/form-definition';
import { BUILT_IN_FORM, formWith, DEPARTMENT } from './forms';
import type { LoadFormResult } from '../../src/submitter/load-form';
import { registerLocale } from '../../src/widget/i18n';
import { nb } from '../../src/widget/locales/nb';
import {
  choose,
  control,
  deferred,
  description,
  fillBuiltIns,
  leave,
  renderWidget,
  sendButton,
  type,
  type RenderOptions,
} from './render-widget';

// Norwegian ships as a language pack; these tests use it as a page with the pack would.
registerLocale('nb', nb);

/** One field of every control, a field only the integrator fills, and a category tree. */
const FORM: FormDefinition = formWith([
  DEPARTMENT,
    { path: 'customFields.1', label: 'City', control: 'text', required: true, placeholder: 'Oslo' },
    { path: 'customFields.2', label: 'Details', control: 'multiline', required: false },
    { path: 'customFields.3', label: 'Budget', control: 'number', required: false },
    { path: 'customFields.4', label: 'Delivery date', control: 'date', required: false },
    { path: 'customFields.5', label: 'Work email', control: 'email', required: false },
    { path: 'customFields.6', label: 'Mobile', control: 'phone', required: false },
    { path: 'customFields.7', label: 'Order page', control: 'url', required: false },
    { path: 'customFields.8', label: 'I accept the terms', control: 'checkbox', required: true },
    {
      path: 'customFields.9',
      label: 'Dealer',
      control: 'choice',
      required: false,
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
        { value: 'volvo', label: 'Volvo' },
      ],
    },
    { path: 'customFields.11', label: 'Customer number', control: 'text', required: false, prefillOnly: true },
]);

const setup = (options: RenderOptions = {}) => renderWidget({ form: FORM, ...options });

/** Waits for the definition to arrive: the first custom field is on screen. */
const ready = () => screen.findByLabelText('City');

/** Fills what this form requires beyond the built-in fields. */
function fillRequired() {
  type(control('City'), 'Oslo');
  fireEvent.click(control(/^I accept the terms/));
}

const models = () => screen.getByRole('group', { name: /^Models/ });

afterEach(cleanup);

describe('each control', () => {
  it.each([
    ['City', 'INPUT', { type: 'text', placeholder: 'Oslo', 'aria-required': 'true' }],
    ['Details (optional)', 'TEXTAREA', { 'aria-required': null }],
    ['Budget (optional)', 'INPUT', { type: 'text', inputmode: 'decimal' }],
    ['Delivery date (optional)', 'INPUT', { type: 'date' }],
    ['Work email (optional)', 'INPUT', { type: 'email' }],
    ['Mobile (optional)', 'INPUT', { type: 'tel' }],
    ['Order page (optional)', 'INPUT', { type: 'url' }],
    ['I accept the terms (required)', 'INPUT', { type: 'checkbox', 'aria-required': 'true' }],
    ['Dealer (optional)', 'SELECT', {}],
    ['Department (optional)', 'SELECT', {}],
  ])('renders %s as a labelled native %s', async (label, tag, attributes) => {
    setup();
    await ready();
    const element = control<HTMLElement>(label);
    expect(element.tagName).toBe(tag);
    for (const [name, value] of Object.entries(attributes)) expect(element.getAttribute(name)).toBe(value);
  });

  it('offers a choice in a select whose first option, "Choose…", is empty', async () => {
    setup();
    await ready();
    const options = [...control<HTMLSelectElement>('Dealer (optional)').options].map((option) => [option.value, option.textContent]);
    expect(options).toEqual([
      ['', 'Choose…'],
      ['osl', 'Oslo Motors'],
      ['bgo', 'Bergen Bil'],
    ]);
    expect(control<HTMLSelectElement>('Dealer (optional)').value).toBe('');
  });

  it('offers a multichoice as a group of checkboxes under a legend', async () => {
    setup();
    await ready();
    expect(models().tagName).toBe('FIELDSET');
    expect(models().querySelector('legend')?.textContent).toBe('Models (optional)');
    const boxes = within(models()).getAllByRole('checkbox');
    expect(boxes.map((box) => box.closest('label')?.textContent)).toEqual(['Audi', 'BMW', 'Volvo']);
  });

  it('does not show a field only the integrator fills', async () => {
    setup();
    await ready();
    expect(screen.queryByLabelText(/Customer number/)).toBeNull();
    expect(screen.queryByText(/Customer number/)).toBeNull();
  });

  it('lists categories in tree order, deeper ones indented further', async () => {
    setup();
    await ready();
    const options = [...control<HTMLSelectElement>('Department (optional)').options].map((option) => option.textContent);
    expect(options).toEqual(['Choose…', 'Sales', '\u2003New cars', '\u2003\u2003Electric', '\u2003Used cars', 'Service']);
  });

  it('labels the picker "Topic" when the operator gave it no label, and marks it required when it is', async () => {
    setup({ form: { fields: FORM.fields.map(({ label, ...field }) => (field.path === 'categoryId' ? { ...field, required: true } : { label, ...field })) } });
    await ready();
    const picker = control<HTMLSelectElement>('Topic');
    expect(picker.tagName).toBe('SELECT');
    expect(picker.getAttribute('aria-required')).toBe('true');
  });

  it('shows nothing beyond the built-in fields for a form without custom fields', async () => {
    setup({ form: BUILT_IN_FORM });
    await waitFor(() => expect(screen.getAllByRole('textbox')).toHaveLength(5));
    expect(screen.queryByRole('combobox', { name: /Department|Topic/ })).toBeNull();
  });
});

describe('messages under custom fields', () => {
  it.each([
    ['en', 'Budget (optional)', '3,5', 'Enter a number, like 42 or 3.5.', '3.5'],
    ['en', 'Budget (optional)', '1e5', 'Enter a number, like 42 or 3.5.', '100000'],
    ['en', 'Order page (optional)', 'javascript:alert(1)', 'Enter a web address starting with https://.', 'https://example.com'],
    ['en', 'Work email (optional)', 'bill@', 'Enter an email address like name@example.com.', 'bill@example.com'],
    ['en', 'Mobile (optional)', 'call me', 'Enter a phone number using digits, spaces and an optional leading +.', '+47 22 33 44 55'],
    ['en', 'City', '   ', 'This field is required.', 'Oslo'],
    ['nb', 'Budget (valgfritt)', '3,5', 'Skriv inn et tall, som 42 eller 3.5.', '3.5'],
    ['nb', 'Order page (valgfritt)', 'javascript:alert(1)', 'Skriv inn en nettadresse som begynner med https://.', 'https://example.com'],
  ])('[%s] shows what is wrong with %s after leaving it, and clears it while typing a fix', async (locale, label, bad, text, good) => {
    setup({ locale });
    await ready();
    type(control(label), bad);
    expect(description(control(label))).toBeNull();
    leave(control(label));
    await waitFor(() => expect(description(control(label))).toBe(text));
    expect(control(label).getAttribute('aria-invalid')).toBe('true');
    type(control(label), good);
    await waitFor(() => expect(control(label).getAttribute('aria-invalid')).toBeNull());
    expect(screen.queryByText(text)).toBeNull();
  });

  it.each([
    ['en', 'This field is required.'],
    ['nb', 'Dette feltet må fylles ut.'],
  ])('[%s] says a required choice is missing as soon as it is set back to "Choose…"', async (locale, text) => {
    setup({ locale, form: { ...FORM, fields: FORM.fields.map((field) => (field.path === 'customFields.9' ? { ...field, required: true } : field)) } });
    await ready();
    choose(control('Dealer'), 'bgo');
    await waitFor(() => expect(control<HTMLSelectElement>('Dealer').value).toBe('bgo'));
    expect(description(control('Dealer'))).toBeNull();
    choose(control('Dealer'), '');
    await waitFor(() => expect(description(control('Dealer'))).toBe(text));
  });

  // A date input never holds an impossible date (the browser empties it), so one reaches the
  // form only from the integrator's prefill or from the relay.
  it.each([
    ['en', 'Delivery date (optional)', 'Enter a real date.'],
    ['nb', 'Delivery date (valgfritt)', 'Skriv inn en gyldig dato.'],
  ])('[%s] shows an impossible prefilled date under %s', async (locale, label, text) => {
    setup({ locale, prefill: { fields: { 4: '2025-02-30' } } });
    await ready();
    await waitFor(() => expect(description(control(label))).toBe(text));
  });

  it('shows an impossible date the relay refused under the date field', async () => {
    setup({ submit: async () => fail({ code: 'validation', fields: [{ path: 'customFields.4', code: 'invalid_date' }] }) });
    await ready();
    fillBuiltIns();
    fillRequired();
    fireEvent.click(sendButton());
    await waitFor(() => expect(description(control('Delivery date (optional)'))).toBe('Enter a real date.'));
  });
});

describe('sending with custom fields', () => {
  it('does not send while a required custom field is empty, and focuses it', async () => {
    const { sent } = setup();
    await ready();
    fillBuiltIns();
    fireEvent.click(control(/^I accept the terms/));
    fireEvent.click(sendButton());
    expect((await screen.findByRole('alert')).textContent).toBe(
      // The summary, then each problem naming its field, as a link to it.
      'Please correct the highlighted fields.City: This field is required.',
    );
    expect(description(control('City'))).toBe('This field is required.');
    await waitFor(() => expect(document.activeElement).toBe(control('City')));
    expect(sent).toEqual([]);
  });

  it('focuses the first invalid field in the order shown: an unticked required checkbox after a bad number', async () => {
    const { sent } = setup();
    await ready();
    fillBuiltIns();
    type(control('City'), 'Oslo');
    type(control('Budget (optional)'), '3,5');
    fireEvent.click(sendButton());
    await waitFor(() => expect(document.activeElement).toBe(control('Budget (optional)')));
    expect(description(control(/^I accept the terms/))).toBe('This field is required.');
    expect(sent).toEqual([]);
  });

  it('focuses a checkbox in a multichoice group the relay refused', async () => {
    setup({ submit: async () => fail({ code: 'validation', fields: [{ path: 'customFields.10', code: 'invalid_choice' }] }) });
    await ready();
    fillBuiltIns();
    fillRequired();
    fireEvent.click(sendButton());
    await waitFor(() => expect(description(models())).toBe('Choose one of the offered options.'));
    await waitFor(() => expect(document.activeElement).toBe(within(models()).getByLabelText('Audi')));
  });

  it('hands over custom values as {id, value} entries: trimmed, blanks left out, one per chosen option', async () => {
    const { sent } = setup();
    await ready();
    fillBuiltIns();
    type(control('City'), '  Oslo ');
    type(control('Budget (optional)'), '3.5');
    type(control('Details (optional)'), '   ');
    fireEvent.click(control(/^I accept the terms/));
    choose(control('Dealer (optional)'), 'bgo');
    fireEvent.click(within(models()).getByLabelText('Volvo'));
    fireEvent.click(within(models()).getByLabelText('Audi'));
    choose(control('Department (optional)'), '14');
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.customFields).toEqual([
      { id: 1, value: 'Oslo' },
      { id: 3, value: '3.5' },
      { id: 8, value: 'true' },
      { id: 9, value: 'bgo' },
      { id: 10, value: 'audi' },
      { id: 10, value: 'volvo' },
    ]);
    expect(sent[0]!.categoryId).toBe(14);
  });

  it('leaves categoryId out when no category was chosen', async () => {
    const { sent } = setup();
    await ready();
    fillBuiltIns();
    fillRequired();
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(JSON.stringify(sent[0])).not.toContain('categoryId');
  });

  it('shows the relay’s refusals under the custom field and the category picker', async () => {
    setup({
      submit: async () =>
        fail({
          code: 'validation',
          fields: [
            { path: 'customFields.1', code: 'too_long', limit: 3 },
            { path: 'categoryId', code: 'invalid_choice' },
          ],
        }),
    });
    await ready();
    fillBuiltIns();
    fillRequired();
    choose(control('Department (optional)'), '16');
    fireEvent.click(sendButton());
    expect((await screen.findByRole('alert')).textContent).toBe(
      // The summary, then each problem naming its field, as a link to it.
      'Please correct the highlighted fields.Department: Choose one of the offered options.City: Use at most 3 characters.',
    );
    await waitFor(() => expect(description(control('City'))).toBe('Use at most 3 characters.'));
    expect(description(control('Department (optional)'))).toBe('Choose one of the offered options.');
    await waitFor(() => expect(document.activeElement).toBe(control('Department (optional)')));
  });
});

describe('loading the form', () => {
  it('says when questions could not be loaded, and "Try again" loads them', async () => {
    const answers: LoadFormResult[] = [fail({ code: 'network' }), ok(FORM)];
    const { loads } = setup({ loadForm: async () => answers.shift()! });
    expect(await screen.findByText('Some questions could not be loaded.')).toBeTruthy();
    expect(screen.queryByLabelText('City')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await ready();
    expect(loads).toHaveBeenCalledTimes(2);
    expect(screen.queryByText('Some questions could not be loaded.')).toBeNull();
  });

  it('still sends the built-in fields when the form could not be loaded', async () => {
    const { sent } = setup({ loadForm: async () => fail({ code: 'upstream_unavailable' }) });
    await screen.findByText('Some questions could not be loaded.');
    fillBuiltIns();
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(sent).toEqual([
      {
        title: 'New car price list.',
        message: 'Hello I want to buy a new car, how can I get a price list?',
        creator: { email: 'bill_smith@gmail.com' },
        verification: { fillMs: expect.any(Number), trap: '' },
      },
    ]);
  });

  it('makes a visitor who presses Send while the form loads wait for it, then checks against it', async () => {
    const load = deferred<LoadFormResult>();
    const { sent } = setup({ loadForm: () => load.promise });
    fillBuiltIns();
    fireEvent.click(sendButton());
    await waitFor(() => expect(sendButton().textContent).toBe('Sending…'));
    expect(sent).toEqual([]);
    load.resolve(ok(FORM));
    await waitFor(() => expect(description(control('City'))).toBe('This field is required.'));
    await waitFor(() => expect(document.activeElement).toBe(control('City')));
    expect(sent).toEqual([]);
  });

  it('sends once a form without required questions arrives', async () => {
    const load = deferred<LoadFormResult>();
    const { sent } = setup({ loadForm: () => load.promise });
    fillBuiltIns();
    fireEvent.click(sendButton());
    await Promise.resolve();
    expect(sent).toEqual([]);
    load.resolve(ok(BUILT_IN_FORM));
    await screen.findByText('Thank you!');
    expect(sent).toHaveLength(1);
  });
});
