/** Drafts as a visitor meets them: what they typed comes back after a reload, until it is sent, discarded or expires; sensitive fields never kept. */
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { AttachmentPolicy } from '../../src/shared/attachments';
import type { FormField } from '../../src/shared/form-definition';
import { fail, ok } from '../../src/shared/result';
import type { Upload } from '../../src/submitter/upload-attachment';
import { formWith } from './forms';
import { SENT, control, deferred, discardButton, fillBuiltIns, renderWidget, sendButton, type RenderOptions, type } from './render-widget';

const DEVICE = { relay: 'https://relay.example', page: 'https://shop.example/contact' };
const KEY = `socialboards-ticket:draft:${DEVICE.relay} ${DEVICE.page}`;
const DAY = 864e5;

const CITY: FormField = { path: 'customFields.42623', label: 'City', control: 'text', required: false };
const CUSTOMER: FormField = { path: 'customFields.42627', label: 'Customer number', control: 'text', required: false, sensitive: true };
const FORM = formWith([CITY, CUSTOMER]);

/** The draft as stored, or null. */
const stored = () => JSON.parse(localStorage.getItem(KEY) ?? 'null') as { at: number; values: Record<string, unknown>; files: unknown[] } | null;
/** Waits past the draft's debounce until what is stored satisfies `check`. */
const storedSoon = (check: (draft: ReturnType<typeof stored>) => void) => waitFor(() => check(stored()));

/** Widgets of the running test: each is disposed after it, so none writes a draft into the next test. */
const live: { dispose(): void }[] = [];

/** The widget over the fake relay, with this page's device. */
function open(options: RenderOptions = {}) {
  const rendered = renderWidget({ form: FORM, device: DEVICE, ...options });
  live.push(rendered.widget);
  return rendered;
}

/** One visit: the widget over the fake relay, waiting until its form has loaded. */
async function visit(options: RenderOptions = {}) {
  const rendered = open(options);
  await screen.findByLabelText('City (optional)');
  return rendered;
}

/** Leaves the page, as a reload does: the widget goes away, what is stored stays. */
function leavePage(widget: { dispose(): void }) {
  widget.dispose();
  cleanup();
}

afterEach(() => {
  for (const widget of live.splice(0)) widget.dispose();
  cleanup();
});

describe('a draft', () => {
  it('is saved while the visitor types, and comes back after a reload, custom fields too', async () => {
    const first = await visit();
    type(control('Subject'), 'Broken mirror');
    type(control('Message'), 'The left mirror came loose.');
    type(control('City (optional)'), 'Oslo');
    await storedSoon((draft) => expect(draft?.values).toEqual({ title: 'Broken mirror', message: 'The left mirror came loose.', 'customFields.42623': 'Oslo' }));
    leavePage(first.widget);

    await visit();
    await waitFor(() => expect(control('Subject').value).toBe('Broken mirror'));
    expect(control('Message').value).toBe('The left mirror came loose.');
    expect(control('City (optional)').value).toBe('Oslo');
    expect(control('Email').value).toBe('');
    expect(discardButton()).toBeTruthy();
  });

  it('never keeps a field the relay marks sensitive', async () => {
    const first = await visit();
    type(control('Subject'), 'Invoice question');
    type(control('Customer number (optional)'), '12345678');
    await storedSoon((draft) => expect(draft?.values).toEqual({ title: 'Invoice question' }));
    expect(localStorage.getItem(KEY)).not.toContain('12345678');
    leavePage(first.widget);

    await visit();
    await waitFor(() => expect(control('Subject').value).toBe('Invoice question'));
    expect(control('Customer number (optional)').value).toBe('');
  });

  it('is not kept for a form nobody typed in, and no "Discard draft" is offered', async () => {
    const first = await visit();
    type(control('Subject'), 'x');
    await storedSoon((draft) => expect(draft).not.toBeNull());
    type(control('Subject'), '');
    await storedSoon((draft) => expect(draft).toBeNull());
    leavePage(first.widget);
    await visit();
    expect(discardButton()).toBeNull();
  });

  it('is discarded with "Discard draft": the form is fresh and nothing is stored', async () => {
    const first = await visit();
    type(control('Subject'), 'Broken mirror');
    await storedSoon((draft) => expect(draft).not.toBeNull());
    leavePage(first.widget);

    await visit();
    await waitFor(() => expect(control('Subject').value).toBe('Broken mirror'));
    fireEvent.click(discardButton()!);
    await waitFor(() => expect(control('Subject').value).toBe(''));
    expect(stored()).toBeNull();
    expect(discardButton()).toBeNull();
  });

  it('is gone once the message is sent', async () => {
    const first = await visit({ submit: async () => SENT });
    fillBuiltIns();
    await storedSoon((draft) => expect(draft).not.toBeNull());
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(stored()).toBeNull();
    leavePage(first.widget);
    await visit();
    expect(control('Subject').value).toBe('');
  });

  it('stays after a refusal the visitor must correct', async () => {
    await visit({ submit: async () => fail({ code: 'validation', fields: [{ path: 'creator.email', code: 'invalid_email' }] }) });
    fillBuiltIns();
    fireEvent.click(sendButton());
    await screen.findByText('Please correct the highlighted fields.');
    await storedSoon((draft) => expect(draft?.values).toMatchObject({ title: 'New car price list.' }));
  });

  it('expires after 7 days by default: it is not put back, and is removed', async () => {
    localStorage.setItem(KEY, JSON.stringify({ at: Date.now() - 7 * DAY - 1000, values: { title: 'Old' }, files: [] }));
    const other = `socialboards-ticket:draft:${DEVICE.relay} https://shop.example/other-page`;
    localStorage.setItem(other, JSON.stringify({ at: Date.now() - 8 * DAY, values: { title: 'Older' }, files: [] }));
    await visit();
    await waitFor(() => expect(stored()).toBeNull());
    expect(control('Subject').value).toBe('');
    // Drafts of this relay on other pages expire too, without that page being opened again.
    expect(localStorage.getItem(other)).toBeNull();
  });

  it('lives as many days as draftDays says', async () => {
    localStorage.setItem(KEY, JSON.stringify({ at: Date.now() - 20 * DAY, values: { title: 'Kept for a month' }, files: [] }));
    await visit({ draftDays: 30 });
    await waitFor(() => expect(control('Subject').value).toBe('Kept for a month'));
  });

  it('is not kept at all with draft: false', async () => {
    await visit({ draft: false });
    type(control('Subject'), 'Broken mirror');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(Object.keys(localStorage)).toEqual([]);
  });

  it('gives way to the page’s prefill', async () => {
    localStorage.setItem(KEY, JSON.stringify({ at: Date.now(), values: { title: 'Typed last time', 'creator.email': 'old@example.com' }, files: [] }));
    await visit({ prefill: { email: 'ann@example.com' } });
    await waitFor(() => expect(control('Subject').value).toBe('Typed last time'));
    expect(control('Email').value).toBe('ann@example.com');
  });

  it('leaves out values of the wrong shape (storage is the visitor’s to edit)', async () => {
    localStorage.setItem(KEY, JSON.stringify({ at: Date.now(), values: { title: 42, message: 'Still here' }, files: [] }));
    await visit();
    await waitFor(() => expect(control('Message').value).toBe('Still here'));
    expect(control('Subject').value).toBe('');
  });
});

describe('a draft while the relay’s form is slow or down', () => {
  it('keeps what was typed before the form arrived, and puts the rest of an older draft back around it', async () => {
    localStorage.setItem(KEY, JSON.stringify({ at: Date.now(), values: { title: 'Older subject', 'customFields.42623': 'Bergen' }, files: [] }));
    const form = deferred<ReturnType<typeof ok<typeof FORM>>>();
    const first = open({ loadForm: () => form.promise });
    // The built-in fields are on screen, with the draft's values, before the form arrives.
    await waitFor(() => expect(control('Subject').value).toBe('Older subject'));
    type(control('Message'), 'Typed while the form was on its way.');
    type(control('Subject'), 'Newer subject');
    form.resolve(ok(FORM));
    await screen.findByLabelText('City (optional)');
    expect(control('City (optional)').value).toBe('Bergen');
    expect(control('Subject').value).toBe('Newer subject');
    await storedSoon((draft) =>
      expect(draft?.values).toEqual({ title: 'Newer subject', message: 'Typed while the form was on its way.', 'customFields.42623': 'Bergen' }),
    );
    leavePage(first.widget);
  });

  it('keeps what is typed while the form cannot be loaded, without losing the older draft’s custom fields', async () => {
    localStorage.setItem(KEY, JSON.stringify({ at: Date.now(), values: { 'customFields.42623': 'Bergen' }, files: [] }));
    const down = open({ loadForm: async () => fail({ code: 'network' }) });
    await screen.findByText('Some questions could not be loaded.');
    type(control('Subject'), 'Written while the relay was down');
    await storedSoon((draft) => expect(draft?.values).toEqual({ title: 'Written while the relay was down', 'customFields.42623': 'Bergen' }));
    leavePage(down.widget);

    await visit();
    await waitFor(() => expect(control('Subject').value).toBe('Written while the relay was down'));
    expect(control('City (optional)').value).toBe('Bergen');
  });

  it('of an untouched form writes nothing, and leaves another widget’s draft on the same page alone', async () => {
    const idle = await visit();
    const busy = await visit();
    const [, subject] = screen.getAllByLabelText('Subject');
    type(subject!, 'From the second widget');
    await storedSoon((draft) => expect(draft?.values).toEqual({ title: 'From the second widget' }));
    // Well past the draft's delay: the idle widget has nothing to write and removes nothing.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(stored()?.values).toEqual({ title: 'From the second widget' });
    leavePage(idle.widget);
    leavePage(busy.widget);
  });
});

describe('a draft with attachments', () => {
  const POLICY: AttachmentPolicy = { maxFiles: 3, maxFileBytes: 10_000, maxTotalBytes: 20_000, types: ['application/pdf'] };
  const upload: Upload = async (file) => ok({ id: 'att_0000000000000001', name: file.name, size: file.size, type: file.type });
  const withFiles = { ...FORM, attachments: POLICY };
  const row = (name: string) => screen.getByText(name).closest('li')!;

  it('keeps each file as the relay’s reference, name, size and type, never its bytes, and shows it as uploaded', async () => {
    const first = await visit({ form: withFiles, upload });
    const input = document.querySelector<HTMLInputElement>('input[type="file"]')!;
    fireEvent.change(input, { target: { files: [new File(['%PDF-1.7 secret bytes'], 'receipt.pdf', { type: 'application/pdf' })] } });
    await storedSoon((draft) => expect(draft?.files).toEqual([{ id: 'att_0000000000000001', name: 'receipt.pdf', size: 21, type: 'application/pdf' }]));
    expect(localStorage.getItem(KEY)).not.toContain('secret bytes');
    leavePage(first.widget);

    await visit({ form: withFiles, upload });
    await waitFor(() => expect(within(row('receipt.pdf')).getByText('Uploaded')).toBeTruthy());
  });

  it('asks for a file to be added again when the relay says its reference expired', async () => {
    localStorage.setItem(
      KEY,
      JSON.stringify({ at: Date.now(), values: {}, files: [{ id: 'att_0000000000000001', name: 'receipt.pdf', size: 21, type: 'application/pdf' }] }),
    );
    const { sent } = await visit({
      form: withFiles,
      upload,
      submit: async () => fail({ code: 'validation', fields: [{ path: 'attachments.0', code: 'invalid' }] }),
    });
    await screen.findByText('receipt.pdf');
    fillBuiltIns();
    fireEvent.click(sendButton());
    await waitFor(() => expect(within(row('receipt.pdf')).getByText('No longer valid: add it again.')).toBeTruthy());
    expect(sent[0]?.attachments).toEqual(['att_0000000000000001']);
    // Its bytes were never kept: no "Try again", only Remove (and Add files).
    expect(within(row('receipt.pdf')).queryByRole('button', { name: /Try again/ })).toBeNull();
    expect(within(row('receipt.pdf')).getByRole('button', { name: 'Remove: receipt.pdf' })).toBeTruthy();
  });
});
