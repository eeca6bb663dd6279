/** The ticket form as a visitor meets it: labels, messages under fields, sending, success, failure and language. */
import { fail, ok } from '../../src/shared/result';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FormDefinition } from '../../src/shared/form-definition';
import { BUILT_IN_FORM } from './forms';
import { LIMITS } from '../../src/shared/limits';
import type { TicketRequestInput } from '../../src/shared/ticket-request';
import type { SubmitResult } from '../../src/submitter/submit-ticket';
import type { WidgetForm } from '../../src/widget/wiring';
import { renderWidget } from './render-widget';
import { createTranslator, submitErrorText } from '../../src/widget/i18n';
import { mount, type WidgetHandle } from '../../src/widget/mount';
import type { MountOptions } from '../../src/widget/options';
import { stubRelay } from './fake-relay';
import { registerLocale } from '../../src/widget/i18n';
import { nb } from '../../src/widget/locales/nb';

// Norwegian ships as a language pack; these tests use it as a page with the pack would.
registerLocale('nb', nb);

const SENT: SubmitResult = ok({ ticketId: 4711 });

interface Setup {
  /** Stands in for the submitter: the network lies outside the form. */
  submit?: (request: TicketRequestInput, key: string, widget: WidgetForm) => Promise<SubmitResult>;
  locale?: string;
  messages?: Partial<Record<string, string>>;
  /** The form definition the fake relay serves. */
  form?: FormDefinition;
}

/** Renders the real widget with a fake submit that records what it was given. */
function setup({ submit = async () => SENT, locale = 'en', messages = {}, form = BUILT_IN_FORM }: Setup = {}) {
  const sent: { request: TicketRequestInput; key: string }[] = [];
  const rendered = renderWidget({
    form,
    locale,
    messages,
    submit: (request, key) => {
      sent.push({ request, key });
      return submit(request, key, rendered.widget);
    },
  });
  return { widget: rendered.widget, sent };
}

/** A promise the test settles by hand, to hold the form in "sending". */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

const field = (label: string | RegExp) => screen.getByLabelText<HTMLInputElement>(label);
const subject = () => field('Subject');
const message = () => field('Message');
const email = () => field('Email');
const phone = () => field(/^Phone/);
const sendButton = () => screen.getByRole('button', { name: /Send|Sending|Still trying/ });

const type = (input: HTMLElement, value: string) => fireEvent.input(input, { target: { value } });
const leave = (input: HTMLElement) => fireEvent.blur(input);

/** The message a screen reader reads with a field: the text of what aria-describedby points to. */
function description(input: HTMLElement): string | null {
  const id = input.getAttribute('aria-describedby');
  return id ? (input.ownerDocument.getElementById(id)?.textContent ?? null) : null;
}

function fillValidForm() {
  type(subject(), 'New car price list.');
  type(message(), 'Hello I want to buy a new car, how can I get a price list?');
  type(email(), 'bill_smith@gmail.com');
}

afterEach(cleanup);

describe('messages under fields', () => {
  it.each([
    ['Subject', subject, '', 'This field is required.', 'New car price list.'],
    ['Message', message, '   ', 'This field is required.', 'Hello'],
    ['Email', email, 'bill_smith@', 'Enter an email address like name@example.com.', 'bill_smith@gmail.com'],
    ['Phone', phone, 'call me', 'Enter a phone number using digits, spaces and an optional leading +.', '+47 22 33 44 55'],
    ['Subject', subject, 'x'.repeat(LIMITS.title + 1), `Use at most ${LIMITS.title} characters.`, 'x'.repeat(LIMITS.title)],
  ])('shows what is wrong with %s after leaving it, and clears it while typing a fix', async (_, get, bad, text, good) => {
    setup();
    type(get(), bad);
    leave(get());
    await waitFor(() => expect(description(get())).toBe(text));
    expect(get().getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(text)).toBeTruthy();

    type(get(), good);
    await waitFor(() => expect(get().getAttribute('aria-invalid')).toBeNull());
    expect(get().getAttribute('aria-describedby')).toBeNull();
    expect(screen.queryByText(text)).toBeNull();
  });

  it('says nothing about a field the visitor is still typing in', async () => {
    setup();
    type(email(), 'bill_smith@');
    await Promise.resolve();
    expect(email().getAttribute('aria-invalid')).toBeNull();
    expect(screen.queryByText('Enter an email address like name@example.com.')).toBeNull();
  });

  it('does not complain about an optional field left empty', async () => {
    setup();
    leave(phone());
    await Promise.resolve();
    expect(phone().getAttribute('aria-invalid')).toBeNull();
  });
});

describe('submitting an incomplete form', () => {
  it('shows the alert, marks each missing field and describes it, and sends nothing', async () => {
    const { sent } = setup();
    fireEvent.click(sendButton());
    expect((await screen.findByRole('alert')).textContent).toBe(
      // The summary, then each problem naming its field, as a link to it.
      'Please correct the highlighted fields.Subject: This field is required.Message: This field is required.Email: This field is required.',
    );
    for (const input of [subject(), message(), email()]) {
      expect(input.getAttribute('aria-invalid')).toBe('true');
      expect(description(input)).toBe('This field is required.');
    }
    expect(phone().getAttribute('aria-invalid')).toBeNull();
    expect(sent).toEqual([]);
  });

  it('moves focus to the first invalid field, Subject', async () => {
    setup();
    fireEvent.click(sendButton());
    await waitFor(() => expect(document.activeElement).toBe(subject()));
  });

  it('lists each problem as a link that takes the visitor to its field', async () => {
    setup();
    fireEvent.click(sendButton());
    const link = await screen.findByRole('link', { name: 'Email: This field is required.' });
    expect(screen.getAllByRole('link').map((one) => one.textContent)).toEqual([
      'Subject: This field is required.',
      'Message: This field is required.',
      'Email: This field is required.',
    ]);
    fireEvent.click(link);
    expect(document.activeElement).toBe(email());
    // The list stays as it was while the visitor corrects (an alert is read out whenever it changes);
    // a fixed field leaves it at the next Send.
    type(email(), 'bill@example.com');
    expect(screen.getByRole('link', { name: 'Email: This field is required.' })).toBeTruthy();
    fireEvent.click(sendButton());
    await waitFor(() => expect(screen.queryByRole('link', { name: /^Email/ })).toBeNull());
    expect(screen.getAllByRole('link')).toHaveLength(2);
  });

  it('moves focus to the first invalid field in the order shown', async () => {
    setup();
    type(subject(), 'New car price list.');
    type(message(), 'Hello');
    type(email(), 'bill@');
    fireEvent.click(sendButton());
    await waitFor(() => expect(document.activeElement).toBe(email()));
  });
});

describe('sending', () => {
  it('hands the trimmed request to the submitter', async () => {
    const { sent } = setup();
    type(subject(), '  New car price list. ');
    type(message(), 'Hello I want to buy a new car, how can I get a price list?');
    fireEvent.click(screen.getByLabelText('Question'));
    type(field(/^Your name/), 'Bill Smith');
    type(email(), ' bill_smith@gmail.com');
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(sent.map(({ request }) => request)).toEqual([
      {
        title: 'New car price list.',
        message: 'Hello I want to buy a new car, how can I get a price list?',
        sentiment: 'question',
        creator: { name: 'Bill Smith', email: 'bill_smith@gmail.com' },
        verification: { fillMs: expect.any(Number), trap: '' },
      },
    ]);
  });

  it('shows "Sending…" on a button marked aria-disabled, and ignores a second press', async () => {
    const answer = deferred<SubmitResult>();
    const { sent } = setup({ submit: () => answer.promise });
    fillValidForm();
    fireEvent.click(sendButton());
    await waitFor(() => expect(sendButton().textContent).toBe('Sending…'));
    expect(sendButton().getAttribute('aria-disabled')).toBe('true');
    await waitFor(() => expect(sent).toHaveLength(1));

    fireEvent.click(sendButton());
    answer.resolve(SENT);
    await screen.findByText('Thank you!');
    expect(sent).toHaveLength(1);
  });

  it('keeps what is being sent from changing: text read-only, choices disabled, until the relay answers', async () => {
    const answer = deferred<SubmitResult>();
    setup({ submit: () => answer.promise });
    fillValidForm();
    fireEvent.click(sendButton());
    await waitFor(() => expect(sendButton().textContent).toBe('Sending…'));
    expect([subject().readOnly, message().readOnly, email().readOnly, phone().readOnly]).toEqual([true, true, true, true]);
    const pills = screen.getAllByRole('radio') as HTMLInputElement[];
    expect(pills.length).toBeGreaterThan(0);
    expect(pills.every((pill) => pill.disabled)).toBe(true);
    answer.resolve(fail({ code: 'upstream_unavailable' }));
    await screen.findByRole('alert');
    expect([subject().readOnly, message().readOnly]).toEqual([false, false]);
    expect(pills.some((pill) => pill.disabled)).toBe(false);
  });

  it('says "Still trying to send…" once the submitter retries', async () => {
    const answer = deferred<SubmitResult>();
    setup({
      submit: (_request, _key, widget) => {
        widget.submission.retrying(1);
        return answer.promise;
      },
    });
    fillValidForm();
    fireEvent.click(sendButton());
    await waitFor(() => expect(sendButton().textContent).toBe('Still trying to send…'));
    expect(screen.getByRole('status').textContent).toBe('Still trying to send…');
    answer.resolve(SENT);
  });

  it('has a live region before sending, and announces "Sending…" in it', async () => {
    const answer = deferred<SubmitResult>();
    setup({ submit: () => answer.promise });
    const status = screen.getByRole('status');
    expect(status.getAttribute('aria-live')).toBe('polite');
    expect(status.textContent).toBe('');
    fillValidForm();
    fireEvent.click(sendButton());
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Sending…'));
    expect(screen.getByRole('status')).toBe(status);
    answer.resolve(SENT);
  });
});

describe('after a ticket is created', () => {
  it('says thank you with the ticket number, announces it, and focuses that heading', async () => {
    setup({ submit: async () => ok({ ticketId: 4711 }) });
    fillValidForm();
    fireEvent.click(sendButton());
    const heading = await screen.findByRole('heading', { name: 'Thank you!' });
    const body = 'We have received your message. Your ticket number is 4711.';
    expect(heading.nextElementSibling?.textContent).toBe(body);
    expect(screen.getByRole('status').textContent).toBe(body);
    await waitFor(() => expect(document.activeElement).toBe(heading));
  });

  it('offers an empty form for another message', async () => {
    setup();
    fillValidForm();
    fireEvent.click(sendButton());
    fireEvent.click(await screen.findByRole('button', { name: 'Send another message' }));
    await screen.findByRole('heading', { name: 'Contact us' });
    expect([subject().value, message().value, email().value, phone().value]).toEqual(['', '', '', '']);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(sendButton().textContent).toBe('Send');
  });
});

describe('when sending fails', () => {
  it('shows the specific reason in an alert and keeps everything typed', async () => {
    setup({ submit: async () => fail({ code: 'upstream_unavailable' }) });
    fillValidForm();
    type(phone(), '+47 22 33 44 55');
    fireEvent.click(sendButton());
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The support service is not available right now. Please try again in a few minutes.',
    );
    expect([subject().value, message().value, email().value, phone().value]).toEqual([
      'New car price list.',
      'Hello I want to buy a new car, how can I get a price list?',
      'bill_smith@gmail.com',
      '+47 22 33 44 55',
    ]);
    expect(sendButton().textContent).toBe('Send');
    expect(sendButton().getAttribute('aria-disabled')).toBeNull();
  });

  it('moves focus to the alert, so a visitor far down a long form sees and hears what went wrong', async () => {
    setup({ submit: async () => fail({ code: 'upstream_unavailable' }) });
    fillValidForm();
    fireEvent.click(sendButton());
    const alert = await screen.findByRole('alert');
    await waitFor(() => expect(document.activeElement).toBe(alert));
  });

  it.each([
    ['en', 7 * 60_000, 'Too many messages were sent from your connection. Please try again in 7 minutes.'],
    ['en', 3 * 3600_000, 'Too many messages were sent from your connection. Please try again in 3 hours.'],
  ])('tells a rate-limited visitor (%s) when to try again, and keeps the form filled', async (locale, retryAfterMs, text) => {
    setup({ locale, submit: async () => fail({ code: 'rate_limited', retryAfterMs }) });
    fillValidForm();
    fireEvent.click(sendButton());
    expect((await screen.findByRole('alert')).textContent).toBe(text);
    expect(subject().value).toBe('New car price list.');
  });

  it('shows the relay’s field errors under the field and focuses it', async () => {
    setup({
      submit: async () => fail({ code: 'validation', fields: [{ path: 'creator.email', code: 'invalid_email' }] }),
    });
    fillValidForm();
    fireEvent.click(sendButton());
    expect((await screen.findByRole('alert')).textContent).toBe(
      // The summary, then each problem naming its field, as a link to it.
      'Please correct the highlighted fields.Email: Enter an email address like name@example.com.',
    );
    await waitFor(() => expect(description(email())).toBe('Enter an email address like name@example.com.'));
    expect(email().getAttribute('aria-invalid')).toBe('true');
    await waitFor(() => expect(document.activeElement).toBe(email()));
  });

  it('retries unchanged content with the same idempotency key', async () => {
    const { sent } = setup({ submit: async () => fail({ code: 'network' }) });
    fillValidForm();
    fireEvent.click(sendButton());
    await screen.findByRole('alert');
    fireEvent.click(sendButton());
    await waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1]!.key).toBe(sent[0]!.key);
  });

  it('sends edited content with a new idempotency key', async () => {
    const { sent } = setup({ submit: async () => fail({ code: 'network' }) });
    fillValidForm();
    fireEvent.click(sendButton());
    await screen.findByRole('alert');
    type(subject(), 'New car price list, please.');
    fireEvent.click(sendButton());
    await waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1]!.key).not.toBe(sent[0]!.key);
    expect(sent[0]!.key).toMatch(/^[0-9a-f]{32}$/);
  });

  it('treats the same content after "Send another message" as a new ticket with a new key', async () => {
    const { sent } = setup();
    fillValidForm();
    fireEvent.click(sendButton());
    fireEvent.click(await screen.findByRole('button', { name: 'Send another message' }));
    await screen.findByRole('heading', { name: 'Contact us' });
    fillValidForm();
    fireEvent.click(sendButton());
    await waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1]!.key).not.toBe(sent[0]!.key);
  });
});

describe('words', () => {
  it('tells a rate-limited visitor when to try again in Norwegian too', () => {
    registerLocale('nb', nb);
    expect(submitErrorText(createTranslator('nb'), 'rate_limited', 10 * 60_000)).toBe(
      'Det er sendt for mange meldinger fra din tilkobling. Prøv igjen om 10 minutter.',
    );
    expect(submitErrorText(createTranslator('nb'), 'rate_limited', undefined)).toBe(nb['error.rate_limited']);
  });

  it('tells a visitor whose earlier attempt may have arrived not to send it again, in both languages', () => {
    registerLocale('nb', nb);
    expect(submitErrorText(createTranslator('en'), 'submission_unresolved', undefined)).toBe(
      'Your message may already have arrived; we are checking and will not send it twice. Please do not send it again.',
    );
    expect(submitErrorText(createTranslator('nb'), 'submission_unresolved', undefined)).toBe(nb['error.submission_unresolved']);
  });

  it('speaks Norwegian with locale nb', async () => {
    setup({ locale: 'nb' });
    expect(screen.getByRole('heading', { name: 'Kontakt oss' })).toBeTruthy();
    for (const label of ['Emne', 'Melding', 'E-post', /^Telefon/, /^Navnet ditt/]) expect(field(label)).toBeTruthy();
    type(field('Emne'), 'x'.repeat(LIMITS.title + 1));
    leave(field('Emne'));
    await waitFor(() => expect(description(field('Emne'))).toBe(`Bruk høyst ${LIMITS.title} tegn.`));
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      // The summary, then each problem naming its field, as a link to it.
      'Rett opp feltene som er merket.Emne: Bruk høyst 200 tegn.Melding: Dette feltet må fylles ut.E-post: Dette feltet må fylles ut.',
    );
    await waitFor(() => expect(description(field('Melding'))).toBe('Dette feltet må fylles ut.'));
  });

  it('lets the integrator’s messages win', async () => {
    setup({ locale: 'nb', messages: { submit: 'Send inn', 'field.required': 'Fyll inn dette.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send inn' }));
    await waitFor(() => expect(description(field('Emne'))).toBe('Fyll inn dette.'));
    expect(screen.getByRole('heading', { name: 'Kontakt oss' })).toBeTruthy();
  });

  it('marks email optional and sends without it when the relay does not require it', async () => {
    const fields = BUILT_IN_FORM.fields.map((one) => (one.path === 'creator.email' ? { ...one, required: false } : one));
    const { sent } = setup({ form: { fields } });
    await waitFor(() => expect(field(/^Email/).getAttribute('aria-required')).toBeNull());
    type(subject(), 'New car price list.');
    type(message(), 'Hello');
    expect(field(/^Email/).getAttribute('aria-required')).toBeNull();
    expect(screen.getByText('Email').parentElement?.textContent).toBe('Email (optional)');
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(sent[0]!.request.creator).toEqual({});
  });
});

describe('through mount()', () => {
  let handle: WidgetHandle | undefined;
  let relay: ReturnType<typeof stubRelay>;
  // Every mount asks the relay for its form; no test may reach the network.
  beforeEach(() => {
    relay = stubRelay();
  });
  afterEach(() => {
    handle?.unmount();
    document.body.replaceChildren();
    vi.unstubAllGlobals();
  });

  function mountInto(options: Partial<MountOptions> = {}) {
    const target = document.body.appendChild(document.createElement('div'));
    handle = mount(target, { relay: 'https://relay.example', ...options });
    const shadow = handle.element!.shadowRoot!;
    return { shadow, view: within(shadow as unknown as HTMLElement) };
  }

  it('validates and focuses Subject inside the shadow root', async () => {
    const { shadow, view } = mountInto();
    fireEvent.click(view.getByRole('button', { name: 'Send' }));
    expect((await view.findByRole('alert')).textContent).toBe(
      // The summary, then each problem naming its field, as a link to it.
      'Please correct the highlighted fields.Subject: This field is required.Message: This field is required.Email: This field is required.',
    );
    const title = view.getByLabelText('Subject');
    expect(title.getAttribute('aria-invalid')).toBe('true');
    expect(shadow.getElementById(title.getAttribute('aria-describedby')!)?.textContent).toBe('This field is required.');
    await waitFor(() => expect(shadow.activeElement).toBe(title));
  });

  it('takes its language from the locale option', () => {
    const { view } = mountInto({ locale: 'nb-NO', messages: { heading: 'Skriv til oss' } });
    expect(view.getByRole('heading', { name: 'Skriv til oss' })).toBeTruthy();
    expect(view.getByLabelText('Emne')).toBeTruthy();
  });

  it('takes its language from <html lang> when no locale is given', () => {
    document.documentElement.lang = 'nb';
    try {
      const { view } = mountInto();
      expect(view.getByRole('heading', { name: 'Kontakt oss' })).toBeTruthy();
    } finally {
      document.documentElement.lang = '';
    }
  });

  it('sends nothing when the form is incomplete', async () => {
    const { view } = mountInto();
    fireEvent.click(view.getByRole('button', { name: 'Send' }));
    await view.findByRole('alert');
    expect(relay.urls()).toEqual(['https://relay.example/form?locale=en']);
  });
});
