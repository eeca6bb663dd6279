/** Attachments as a visitor meets them: choosing, dropping and pasting files, progress, failures, limits, and sending with them. */
import { fail, ok } from '../../src/shared/result';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AttachmentPolicy } from '../../src/shared/attachments';
import type { FormDefinition } from '../../src/shared/form-definition';
import { BUILT_IN_FORM } from './forms';
import type { Upload, UploadResult } from '../../src/submitter/upload-attachment';
import { control, description, fillBuiltIns, renderWidget, sendButton, type RenderOptions } from './render-widget';

const POLICY: AttachmentPolicy = { maxFiles: 3, maxFileBytes: 1000, maxTotalBytes: 1500, types: ['image/*', 'application/pdf'] };
const FORM: FormDefinition = { ...BUILT_IN_FORM, attachments: POLICY };

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

// happy-dom has no `ondragover`/`ondragleave`/`ondrop` on elements, and Preact takes an event's
// name from those properties (without them it listens for "DragOver"). Browsers have them.
const DRAG_HANDLERS = ['ondragover', 'ondragleave', 'ondrop'].filter((name) => !(name in HTMLElement.prototype));
beforeAll(() => {
  for (const name of DRAG_HANDLERS) Object.defineProperty(HTMLElement.prototype, name, { value: null, writable: true, configurable: true });
});
afterAll(() => {
  for (const name of DRAG_HANDLERS) Reflect.deleteProperty(HTMLElement.prototype, name);
});

/** One upload the widget started; the test plays the uploader (whose network lies outside the widget). */
interface UploadCall {
  file: File;
  signal: AbortSignal;
  /** Reports the share sent so far. */
  progress: (share: number) => void;
  /** Ends the upload. */
  finish: (result: UploadResult) => void;
}

/** An uploader that holds every upload until the test ends it; like the real one, it ends as `aborted` when its signal aborts. */
function fakeUploader() {
  const calls: UploadCall[] = [];
  const upload = vi.fn<Upload>(
    (file, progress, signal) =>
      new Promise((resolve) => {
        signal.addEventListener('abort', () => resolve(fail({ code: 'aborted' })));
        calls.push({ file, signal, progress: (share) => act(() => progress(share)), finish: resolve });
      }),
  );
  return { upload, calls };
}

/** A reference as the relay gives it (16–64 URL-safe characters). */
const ref = (n: number) => `att_${String(n).padStart(16, '0')}`;
const uploaded = (file: File, id: string): UploadResult => ok({ id, name: file.name, size: file.size, type: file.type });

const file = (name: string, size: number, type: string) => new File(['x'.repeat(size)], name, { type });
const pdf = (name: string, size = 400) => file(name, size, 'application/pdf');
const png = (name: string, size = 400) => file(name, size, 'image/png');

/** Renders the widget with the attachments policy and waits for the section to appear. */
async function setup(options: RenderOptions = {}) {
  const uploads = fakeUploader();
  const rendered = renderWidget({ form: FORM, upload: uploads.upload, ...options });
  const section = await screen.findByRole('group', { name: 'Attachments (optional)' });
  return { ...rendered, ...uploads, section };
}

const addFilesButton = () => screen.getByRole('button', { name: 'Add files' });
/** What the file picker hands back: the hidden input's change event with the chosen files. */
function pick(...files: File[]) {
  const input = document.querySelector<HTMLInputElement>('input[type="file"]')!;
  fireEvent.change(input, { target: { files } });
}
/** The area that says files may be dropped on it. */
const dropZone = () => screen.getByText(/or drop them here/).parentElement!;
/** The listed files, as their rows read. */
const rows = () => screen.queryAllByRole('listitem').map((row) => row.textContent);
const row = (name: string) => screen.getByText(name).closest('li')!;
const alerts = () => screen.queryAllByRole('alert').map((alert) => alert.textContent);
/** Ends an upload and lets everything waiting on it run and the widget re-render. */
const finish = (call: UploadCall, result: UploadResult) =>
  act(async () => {
    call.finish(result);
    await new Promise((resolve) => setTimeout(resolve, 0));
  });

describe('the section', () => {
  it('has a legend, an "Add files" button and a hint naming the limits', async () => {
    const { section } = await setup();
    expect(within(section).getByRole('button', { name: 'Add files' })).toBeTruthy();
    expect(section.textContent).toContain('or drop them here, or paste a screenshot. Up to 3 files, 1 kB each.');
    expect(screen.queryAllByRole('listitem')).toHaveLength(0);
  });

  it('opens the file picker for the accepted types from "Add files"', async () => {
    await setup();
    const input = document.querySelector<HTMLInputElement>('input[type="file"]')!;
    const click = vi.spyOn(input, 'click');
    fireEvent.click(addFilesButton());
    expect(click).toHaveBeenCalledTimes(1);
    expect(input.multiple).toBe(true);
    expect(input.accept).toBe('image/*,application/pdf');
  });

  it('is not there, and a pasted image does nothing, when the relay takes no attachments', async () => {
    const { upload } = fakeUploader();
    const { widget } = renderWidget({ form: BUILT_IN_FORM, upload });
    await waitFor(() => expect(widget.model.load.value).toBe('ready'));
    expect(screen.queryByRole('group', { name: /Attachments/ })).toBeNull();
    expect(document.querySelector('input[type="file"]')).toBeNull();
    const pasted = fireEvent.paste(control('Message'), { clipboardData: { files: [png('image.png')] } });
    expect(pasted).toBe(true);
    expect(upload).not.toHaveBeenCalled();
  });
});

describe('choosing files', () => {
  it('lists each chosen file with its name and size, and starts its upload at once', async () => {
    const { calls } = await setup();
    // Sizes in binary units, as the relay's limits are set: 1 kB = 1024 bytes.
    const receipt = pdf('receipt.pdf', 819);
    const photo = png('photo.png', 154);
    pick(receipt, photo);
    expect(rows()).toEqual([expect.stringContaining('receipt.pdf0.8 kB'), expect.stringContaining('photo.png0.2 kB')]);
    expect(calls.map((call) => call.file)).toEqual([receipt, photo]);
    expect(within(row('receipt.pdf')).getByText('Uploading…')).toBeTruthy();
  });

  it('shows progress in the progress bar', async () => {
    const { calls } = await setup();
    pick(pdf('receipt.pdf'));
    const bar = () => screen.getByRole<HTMLProgressElement>('progressbar', { name: 'receipt.pdf: Uploading…' });
    expect(bar().value).toBe(0);
    calls[0]!.progress(0.4);
    expect(bar().value).toBe(0.4);
  });

  it('says "Uploaded" when the upload is done', async () => {
    const { calls } = await setup();
    const receipt = pdf('receipt.pdf');
    pick(receipt);
    await finish(calls[0]!, uploaded(receipt, ref(1)));
    expect(within(row('receipt.pdf')).getByText('Uploaded')).toBeTruthy();
    expect(screen.getByRole<HTMLProgressElement>('progressbar', { name: 'receipt.pdf: Uploaded' }).value).toBe(1);
    expect(within(row('receipt.pdf')).queryByRole('button', { name: 'Try again: receipt.pdf' })).toBeNull();
  });

  it('stops the upload of a file removed while it uploads', async () => {
    const { calls } = await setup();
    pick(pdf('receipt.pdf'), png('photo.png'));
    fireEvent.click(screen.getByRole('button', { name: 'Remove: receipt.pdf' }));
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(calls[1]!.signal.aborted).toBe(false);
    expect(rows()).toEqual([expect.stringContaining('photo.png')]);
  });
});

describe('a failed upload', () => {
  it.each([
    ['unsupported_media_type', 'Not a kind of file we accept.'],
    ['payload_too_large', 'Too large.'],
    ['network', 'Upload failed: no connection.'],
    ['rate_limited', 'Too many uploads just now: try again later.'],
    ['timeout', 'Upload failed.'],
    ['upstream_unavailable', 'Upload failed.'],
  ] as const)('after %s says "%s", with "Try again" and "Remove"', async (code, words) => {
    const { calls } = await setup();
    pick(pdf('receipt.pdf'));
    await finish(calls[0]!, fail({ code }));
    const failed = within(row('receipt.pdf'));
    expect(failed.getByText(words)).toBeTruthy();
    expect(failed.getByRole('progressbar', { name: `receipt.pdf: ${words}` })).toBeTruthy();
    expect(failed.getByRole('button', { name: 'Try again: receipt.pdf' })).toBeTruthy();
    expect(failed.getByRole('button', { name: 'Remove: receipt.pdf' })).toBeTruthy();
  });

  it('uploads the same file again from "Try again"', async () => {
    const { calls } = await setup();
    const receipt = pdf('receipt.pdf');
    pick(receipt);
    await finish(calls[0]!, fail({ code: 'network' }));
    fireEvent.click(screen.getByRole('button', { name: 'Try again: receipt.pdf' }));
    expect(calls).toHaveLength(2);
    expect(calls[1]!.file).toBe(receipt);
    expect(within(row('receipt.pdf')).getByText('Uploading…')).toBeTruthy();
    await finish(calls[1]!, uploaded(receipt, ref(1)));
    expect(within(row('receipt.pdf')).getByText('Uploaded')).toBeTruthy();
  });

  it('is taken off the list by "Remove"', async () => {
    const { calls } = await setup();
    pick(pdf('receipt.pdf'));
    await finish(calls[0]!, fail({ code: 'network' }));
    fireEvent.click(screen.getByRole('button', { name: 'Remove: receipt.pdf' }));
    expect(rows()).toEqual([]);
  });
});

describe('files the limits refuse', () => {
  it.each<[string, File[], File, string]>([
    ['over the per-file size', [], pdf('big.pdf', 1001), 'big.pdf is larger than 1 kB.'],
    ['over the total size', [pdf('first.pdf', 800)], pdf('second.pdf', 800), 'second.pdf was not added: attachments can be at most 1.5 kB in all.'],
    ['beyond the count', [png('a.png', 10), png('b.png', 10), png('c.png', 10)], png('d.png', 10), 'd.png was not added: you can attach at most 3 files.'],
    ['of a refused type', [], file('notes.zip', 10, 'application/zip'), 'notes.zip is not a kind of file we accept.'],
  ])('are not uploaded when %s, and a message names the file and the limit', async (_, before, refused, message) => {
    const { upload } = await setup();
    if (before.length) pick(...before);
    pick(refused);
    expect(alerts()).toEqual([message]);
    expect(upload).toHaveBeenCalledTimes(before.length);
    expect(upload.mock.calls.map(([chosen]) => chosen)).not.toContain(refused);
    expect(rows()).toHaveLength(before.length);
  });

  it('attaches what fits of several files chosen at once, and names each one left out', async () => {
    const { upload } = await setup();
    pick(png('a.png', 10), png('b.png', 10), png('c.png', 10), png('d.png', 10), png('e.png', 10));
    expect(rows()).toHaveLength(3);
    expect(upload).toHaveBeenCalledTimes(3);
    expect(alerts()).toEqual(['d.png was not added: you can attach at most 3 files.', 'e.png was not added: you can attach at most 3 files.']);
  });

  it('forgets the messages when a file is removed', async () => {
    await setup();
    pick(pdf('receipt.pdf'), pdf('big.pdf', 1001));
    expect(alerts()).toHaveLength(1);
    fireEvent.click(screen.getByRole('button', { name: 'Remove: receipt.pdf' }));
    expect(alerts()).toEqual([]);
  });
});

describe('dropping and pasting', () => {
  it('lets files be dragged over the drop zone, and attaches the ones dropped', async () => {
    const { calls } = await setup();
    expect(fireEvent.dragOver(dropZone())).toBe(false);
    const photo = png('photo.png');
    expect(fireEvent.drop(dropZone(), { dataTransfer: { files: [photo] } })).toBe(false);
    expect(rows()).toEqual([expect.stringContaining('photo.png')]);
    expect(calls.map((call) => call.file)).toEqual([photo]);
  });

  it('attaches an image pasted into the form, named as a screenshot of that moment', async () => {
    const { calls } = await setup();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-03-14T09:26:53.000Z'));
    const pasted = fireEvent.paste(control('Message'), { clipboardData: { files: [png('image.png')] } });
    // Taken by the widget, so the browser pastes nothing into the message.
    expect(pasted).toBe(false);
    expect(rows()).toEqual([expect.stringContaining('screenshot-2025-03-14-09-26-53.png')]);
    expect(calls[0]!.file.name).toBe('screenshot-2025-03-14-09-26-53.png');
    expect(calls[0]!.file.type).toBe('image/png');
  });

  it('keeps the name of a pasted file that has its own', async () => {
    const { calls } = await setup();
    fireEvent.paste(control('Message'), { clipboardData: { files: [pdf('invoice.pdf')] } });
    expect(calls[0]!.file.name).toBe('invoice.pdf');
  });

  it('leaves pasted text to the browser', async () => {
    const { upload } = await setup();
    const pasted = fireEvent.paste(control('Message'), { clipboardData: { files: [], getData: () => 'Hello' } });
    expect(pasted).toBe(true);
    expect(upload).not.toHaveBeenCalled();
    expect(rows()).toEqual([]);
  });
});

describe('sending with attachments', () => {
  it('waits for uploads still running, then sends the references in the order listed', async () => {
    const { calls, sent } = await setup();
    const [receipt, photo] = [pdf('receipt.pdf'), png('photo.png')];
    pick(receipt, photo);
    fillBuiltIns();
    await finish(calls[1]!, uploaded(photo, ref(2)));
    fireEvent.click(sendButton());
    await screen.findByRole('button', { name: 'Sending…' });
    expect(sent).toEqual([]);
    await finish(calls[0]!, uploaded(receipt, ref(1)));
    await screen.findByRole('heading', { name: 'Thank you!' });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.attachments).toEqual([ref(1), ref(2)]);
  });

  it('waits too for a file added while it waits', async () => {
    const { calls, sent } = await setup();
    const [receipt, photo] = [pdf('receipt.pdf'), png('photo.png')];
    pick(receipt);
    fillBuiltIns();
    fireEvent.click(sendButton());
    await screen.findByRole('button', { name: 'Sending…' });
    pick(photo);
    await finish(calls[0]!, uploaded(receipt, ref(1)));
    expect(alerts()).toEqual([]);
    expect(screen.getByRole('button', { name: 'Sending…' })).toBeTruthy();
    expect(sent).toEqual([]);
    await finish(calls[1]!, uploaded(photo, ref(2)));
    await screen.findByRole('heading', { name: 'Thank you!' });
    expect(sent[0]!.attachments).toEqual([ref(1), ref(2)]);
  });

  it('sends nothing while an upload has failed, says so on the section and moves focus there', async () => {
    const { calls, sent, section } = await setup();
    const [receipt, photo] = [pdf('receipt.pdf'), png('photo.png')];
    pick(receipt, photo);
    await finish(calls[0]!, uploaded(receipt, ref(1)));
    await finish(calls[1]!, fail({ code: 'network' }));
    fillBuiltIns();
    fireEvent.click(sendButton());
    await screen.findByText('An attachment did not upload. Try again or remove it.');
    expect(sent).toEqual([]);
    expect(section.getAttribute('aria-invalid')).toBe('true');
    expect(description(section)).toBe('An attachment did not upload. Try again or remove it.');
    await waitFor(() => expect(document.activeElement).toBe(addFilesButton()));
  });

  it('sends once the failed file is removed', async () => {
    const { calls, sent } = await setup();
    const [receipt, photo] = [pdf('receipt.pdf'), png('photo.png')];
    pick(receipt, photo);
    await finish(calls[0]!, uploaded(receipt, ref(1)));
    await finish(calls[1]!, fail({ code: 'network' }));
    fillBuiltIns();
    fireEvent.click(sendButton());
    await screen.findByText('An attachment did not upload. Try again or remove it.');
    fireEvent.click(screen.getByRole('button', { name: 'Remove: photo.png' }));
    fireEvent.click(sendButton());
    await screen.findByRole('heading', { name: 'Thank you!' });
    expect(sent.map((request) => request.attachments)).toEqual([[ref(1)]]);
  });

  it('marks the file the relay no longer accepts for another upload, and says so on the section', async () => {
    const { calls, sent, section, report } = await setup({
      submit: async () => fail({ code: 'validation', fields: [{ path: 'attachments.1', code: 'invalid' }] }),
    });
    const [receipt, photo] = [pdf('receipt.pdf'), png('photo.png')];
    pick(receipt, photo);
    await finish(calls[0]!, uploaded(receipt, ref(1)));
    await finish(calls[1]!, uploaded(photo, ref(2)));
    fillBuiltIns();
    fireEvent.click(sendButton());
    await screen.findByText('Please correct the highlighted fields.');
    expect(sent).toHaveLength(1);
    expect(section.getAttribute('aria-invalid')).toBe('true');
    expect(description(section)).toBe('An attachment did not upload. Try again or remove it.');
    // The second reference sent was photo.png's: that row offers to upload it again.
    expect(within(row('photo.png')).getByText('No longer valid: add it again.')).toBeTruthy();
    expect(within(row('photo.png')).getByRole('button', { name: 'Try again: photo.png' })).toBeTruthy();
    expect(within(row('receipt.pdf')).getByText('Uploaded')).toBeTruthy();
    expect(report).not.toHaveBeenCalled();
    await waitFor(() => expect(document.activeElement).toBe(addFilesButton()));
  });

  it('empties the list for "Send another message"', async () => {
    const { calls } = await setup();
    const receipt = pdf('receipt.pdf');
    pick(receipt);
    await finish(calls[0]!, uploaded(receipt, ref(1)));
    fillBuiltIns();
    fireEvent.click(sendButton());
    fireEvent.click(await screen.findByRole('button', { name: 'Send another message' }));
    const section = screen.getByRole('group', { name: 'Attachments (optional)' });
    expect(within(section).queryAllByRole('listitem')).toHaveLength(0);
    expect(section.getAttribute('aria-invalid')).toBeNull();
  });
});
