/** Mounting as an integrator does it: where the widget goes, what the console says, events, and taking it away again. */
import { fireEvent, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { mount, mountWith, type WidgetHandle } from '../../src/widget/mount';
import { registerLocale } from '../../src/widget/i18n';
import { nb } from '../../src/widget/locales/nb';
import { BUILT_IN_FORM } from './forms';
import { stubXhr } from '../submitter/fake-xhr';
import { hang, json, stubRelay } from './fake-relay';

// Norwegian ships as a language pack; these tests use it as a page with the pack would.
registerLocale('nb', nb);

const RELAY = 'https://relay.example';
const HOST = '[data-socialboards-ticket]';

let errors: MockInstance<typeof console.error>;
let warnings: MockInstance<typeof console.warn>;
const handles: WidgetHandle[] = [];

beforeEach(() => {
  errors = vi.spyOn(console, 'error').mockImplementation(() => {});
  warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
  // Every mount asks the relay for its form; no test may reach the network.
  stubRelay();
});

afterEach(() => {
  for (const handle of handles.splice(0)) handle.unmount();
  document.body.replaceChildren();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

/** Mounts as `mount()` does (or, with `fromData`, as the script tag does) and remembers the handle for clean-up. */
function mountTracked(target: Element | string, options: Record<string, unknown>, fromData = false): WidgetHandle {
  const handle = mountWith(target, options, fromData);
  handles.push(handle);
  return handle;
}

function addTarget(id = 'help'): HTMLElement {
  const target = document.createElement('div');
  target.id = id;
  return document.body.appendChild(target);
}

/** Queries inside the widget's shadow root, as a visitor sees it. */
function view(handle: WidgetHandle) {
  return within(handle.element!.shadowRoot! as unknown as HTMLElement);
}

const ATTACHMENTS = { maxFiles: 3, maxFileBytes: 1000, maxTotalBytes: 1500, types: ['image/*', 'application/pdf'] };

/** Chooses a file in the widget's picker, once the form has loaded with attachments. */
async function pickFile(handle: WidgetHandle, file: File) {
  await waitFor(() => view(handle).getByRole('button', { name: 'Add files' }));
  const input = handle.element!.shadowRoot!.querySelector('input[type="file"]')!;
  fireEvent.change(input, { target: { files: [file] } });
}

function fillValidForm(handle: WidgetHandle) {
  const form = view(handle);
  fireEvent.input(form.getByLabelText('Subject'), { target: { value: 'New car price list.' } });
  fireEvent.input(form.getByLabelText('Message'), { target: { value: 'Hello I want to buy a new car, how can I get a price list?' } });
  fireEvent.input(form.getByLabelText('Email'), { target: { value: 'bill_smith@gmail.com' } });
}

describe('where the widget goes', () => {
  it.each([
    ['a selector', '#help'],
    ['an element', () => document.getElementById('help')!],
  ])('renders into an open shadow root under a host inside the target given %s', (_, target) => {
    const element = addTarget();
    const handle = mountTracked(typeof target === 'string' ? target : target(), { relay: RELAY });
    expect(element.querySelectorAll(HOST)).toHaveLength(1);
    expect(handle.element).toBe(element.querySelector(HOST));
    expect(handle.element!.shadowRoot!.mode).toBe('open');
    expect(view(handle).getByRole('heading', { name: 'Contact us' })).toBeTruthy();
    expect(errors).not.toHaveBeenCalled();
  });

  it('keeps its markup out of the page’s light DOM', () => {
    const element = addTarget();
    mountTracked(element, { relay: RELAY });
    expect(element.querySelector('form')).toBeNull();
    expect(document.getElementById('title')).toBeNull();
  });

  it('styles the shadow root with a constructed stylesheet', () => {
    const handle = mountTracked(addTarget(), { relay: RELAY });
    const shadow = handle.element!.shadowRoot!;
    expect(shadow.adoptedStyleSheets).toHaveLength(1);
    expect(shadow.querySelector('style')).toBeNull();
  });

  it('falls back to a <style> carrying the nonce where constructed stylesheets are missing', () => {
    // An engine before constructable stylesheets: its shadow roots have no `adoptedStyleSheets`.
    const attach = Element.prototype.attachShadow;
    vi.spyOn(Element.prototype, 'attachShadow').mockImplementation(function (this: Element, init: ShadowRootInit) {
      const root = attach.call(this, init);
      Object.defineProperty(root, 'adoptedStyleSheets', { value: undefined });
      return root;
    });
    const handle = mountTracked(addTarget(), { relay: RELAY, nonce: 'r4nd0m' });
    const style = handle.element!.shadowRoot!.querySelector('style');
    expect(style?.nonce).toBe('r4nd0m');
    expect(style?.textContent).toContain(':host');
  });
});

describe('mistakes are reported, never thrown', () => {
  it.each([
    ['a selector that matches nothing', '#nowhere', { relay: RELAY }, '[SocialboardsTicket] could not mount: target "#nowhere" matches no element'],
    ['a target that is not an element', 42 as unknown as string, { relay: RELAY }, '[SocialboardsTicket] could not mount: target must be an element or a CSS selector'],
    ['a missing relay', '#help', {}, '[SocialboardsTicket] option "relay" is required: the URL of your Socialboards relay'],
    ['a relay that is not a URL', '#help', { relay: 'ftp://relay.example' }, '[SocialboardsTicket] option "relay" must be an http(s) URL; got "ftp://relay.example"'],
  ])('logs one error for %s and mounts nothing', (_, target, options, message) => {
    const element = addTarget();
    let handle: WidgetHandle | undefined;
    expect(() => {
      handle = mountTracked(target, options);
    }).not.toThrow();
    expect(errors.mock.calls).toEqual([[message]]);
    expect(handle!.element).toBeNull();
    expect(element.childNodes).toHaveLength(0);
    expect(() => handle!.unmount()).not.toThrow();
  });

  it('logs one error for a selector that is not valid CSS', () => {
    addTarget();
    expect(() => mountTracked('#help[', { relay: RELAY })).not.toThrow();
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors.mock.calls[0]![0]).toMatch(/^\[SocialboardsTicket\] could not mount: /);
  });

  it('mounts anyway when only an optional option is wrong, naming it as a data attribute', () => {
    const element = addTarget();
    mountTracked(element, { relay: RELAY, timeoutMs: 'soon' }, true);
    expect(errors.mock.calls).toEqual([['[SocialboardsTicket] data-timeout-ms must be a whole number of milliseconds from 1000 to 120000; got "soon"']]);
    expect(element.querySelectorAll(HOST)).toHaveLength(1);
  });
});

describe('mounting more than once', () => {
  it('returns the same handle for the same target, leaves one widget and warns', () => {
    const element = addTarget();
    const first = mountTracked(element, { relay: RELAY });
    const second = mountTracked('#help', { relay: RELAY, locale: 'nb' });
    expect(second).toBe(first);
    expect(element.querySelectorAll(HOST)).toHaveLength(1);
    expect(warnings).toHaveBeenCalledTimes(1);
    expect(warnings.mock.calls[0]![0]).toContain('already mounted');
    expect(view(first).getByRole('heading', { name: 'Contact us' })).toBeTruthy();
  });

  it('gives two targets two independent widgets', async () => {
    const one = mountTracked(addTarget('one'), { relay: RELAY });
    const two = mountTracked(addTarget('two'), { relay: RELAY, locale: 'nb' });
    expect(one.element).not.toBe(two.element);
    fireEvent.input(view(one).getByLabelText('Subject'), { target: { value: 'Only in the first' } });
    fireEvent.click(view(two).getByRole('button', { name: 'Send' }));
    await view(two).findByRole('alert');
    expect(view(one).queryByRole('alert')).toBeNull();
    expect((view(two).getByLabelText('Emne') as HTMLInputElement).value).toBe('');
    expect((view(one).getByLabelText('Subject') as HTMLInputElement).value).toBe('Only in the first');
  });
});

describe('unmount()', () => {
  it('removes the host', () => {
    const element = addTarget();
    mount(element, { relay: RELAY }).unmount();
    expect(element.querySelector(HOST)).toBeNull();
  });

  it('is safe to call twice', () => {
    const handle = mount(addTarget(), { relay: RELAY });
    handle.unmount();
    expect(() => handle.unmount()).not.toThrow();
  });

  it('lets the same target be mounted again, with new options', () => {
    const element = addTarget();
    const first = mount(element, { relay: RELAY });
    first.unmount();
    const second = mountTracked(element, { relay: RELAY, locale: 'nb' });
    expect(second).not.toBe(first);
    expect(element.querySelectorAll(HOST)).toHaveLength(1);
    expect(view(second).getByRole('heading', { name: 'Kontakt oss' })).toBeTruthy();
    expect(warnings).not.toHaveBeenCalled();
  });

  it('aborts a submission in flight and reports nothing afterwards', async () => {
    // A relay that never answers the ticket stands in for a slow one.
    const { fetch } = stubRelay({ '/tickets': hang });
    const element = addTarget();
    const events: Event[] = [];
    element.addEventListener('socialboards-ticket:error', (event) => events.push(event));
    const onError = vi.fn();
    const handle = mount(element, { relay: RELAY, onError });
    fillValidForm(handle);
    fireEvent.click(view(handle).getByRole('button', { name: 'Send' }));
    const ticketSignal = () => fetch.mock.calls.find(([url]) => url.endsWith('/tickets'))?.[1]?.signal;
    await waitFor(() => expect(ticketSignal()).toBeDefined());
    handle.unmount();
    expect(ticketSignal()!.aborted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(events).toEqual([]);
    expect(onError).not.toHaveBeenCalled();
    expect(errors).not.toHaveBeenCalled();
  });

  it('aborts an upload in flight', async () => {
    stubRelay({ '/form': json(200, { ...BUILT_IN_FORM, attachments: ATTACHMENTS }) });
    const uploads = stubXhr();
    const handle = mount(addTarget(), { relay: RELAY });
    await pickFile(handle, new File(['%PDF-1.'], 'receipt.pdf', { type: 'application/pdf' }));
    expect(uploads.map(({ method, url, sent }) => ({ method, url, sent }))).toEqual([{ method: 'POST', url: `${RELAY}/attachments`, sent: true }]);
    uploads[0]!.progress(3, 7);
    handle.unmount();
    expect(uploads[0]!.aborted).toBe(true);
  });
});

describe('attachments', () => {
  it('uploads straight to storage when the relay’s form says so', async () => {
    const storage = 'https://storage.example/bucket/att_0123456789abcdef?X-Amz-Signature=abc';
    const { urls } = stubRelay({
      '/form': json(200, { ...BUILT_IN_FORM, attachments: { ...ATTACHMENTS, direct: true } }),
      '/attachments/uploads': json(201, { id: 'att_0123456789abcdef', url: storage, headers: { 'Content-Type': 'application/pdf' } }),
    });
    const uploads = stubXhr();
    const handle = mountTracked(addTarget(), { relay: RELAY });
    await pickFile(handle, new File(['%PDF-1.'], 'receipt.pdf', { type: 'application/pdf' }));
    await waitFor(() => expect(uploads).toHaveLength(1));
    expect(urls()).toEqual([`${RELAY}/form?locale=en`, `${RELAY}/attachments/uploads`]);
    expect(uploads[0]).toMatchObject({ method: 'PUT', url: storage, headers: { 'Content-Type': 'application/pdf' } });
  });
});

describe('events for the host page', () => {
  it('dispatches socialboards-ticket:submitted and calls onSubmitted when a ticket is created', async () => {
    const { urls } = stubRelay({ '/tickets': json(201, { ticketId: 4711 }) });
    const element = addTarget();
    const details: unknown[] = [];
    document.addEventListener('socialboards-ticket:submitted', (event) => details.push((event as CustomEvent).detail), { once: true });
    const onSubmitted = vi.fn();
    const handle = mountTracked(element, { relay: RELAY, onSubmitted });
    fillValidForm(handle);
    fireEvent.click(view(handle).getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(onSubmitted).toHaveBeenCalledWith({ ticketId: 4711 }));
    expect(details).toEqual([{ ticketId: 4711 }]);
    expect(urls()).toEqual(['https://relay.example/form?locale=en', 'https://relay.example/tickets']);
    expect(await view(handle).findByRole('heading', { name: 'Thank you!' })).toBeTruthy();
  });

  it('dispatches socialboards-ticket:error, calls onError and logs the code when the relay refuses', async () => {
    // The visitor cannot fix a relay that refuses this website: they get the generic words, the integrator the code.
    stubRelay({ '/tickets': json(403, { error: { code: 'origin_not_allowed', message: 'This website is not allowed to use this relay.' } }) });
    const element = addTarget();
    const details: unknown[] = [];
    element.addEventListener('socialboards-ticket:error', (event) => details.push((event as CustomEvent).detail));
    const onError = vi.fn();
    const handle = mountTracked(element, { relay: RELAY, onError });
    fillValidForm(handle);
    fireEvent.click(view(handle).getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(onError).toHaveBeenCalledWith({ code: 'origin_not_allowed' }));
    expect(details).toEqual([{ code: 'origin_not_allowed' }]);
    expect(errors.mock.calls).toEqual([['[SocialboardsTicket] submission failed: origin_not_allowed']]);
    expect((await view(handle).findByRole('alert')).textContent).toBe(
      'Something went wrong while sending. Please try again.',
    );
  });

  it('keeps a message sent offline on the device, and sends it when the browser is back online', async () => {
    const online = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    const answers = [() => Promise.reject(new TypeError('Failed to fetch')), json(201, { ticketId: 4714 })];
    const { urls } = stubRelay({ '/tickets': (init) => answers.shift()!(init) });
    const onSubmitted = vi.fn();
    const handle = mountTracked(addTarget(), { relay: RELAY, onSubmitted });
    fillValidForm(handle);
    fireEvent.click(view(handle).getByRole('button', { name: 'Send' }));
    expect(await view(handle).findByRole('heading', { name: 'Saved on this device' })).toBeTruthy();
    expect(onSubmitted).not.toHaveBeenCalled();

    online.mockReturnValue(true);
    window.dispatchEvent(new Event('online'));
    expect(await view(handle).findByRole('heading', { name: 'Thank you!' })).toBeTruthy();
    expect(onSubmitted).toHaveBeenCalledWith({ ticketId: 4714 });
    expect(urls().filter((url) => url.endsWith('/tickets'))).toHaveLength(2);
  });

  it('stops listening for the network once unmounted', async () => {
    vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    const { urls } = stubRelay({ '/tickets': () => Promise.reject(new TypeError('Failed to fetch')) });
    const handle = mountTracked(addTarget(), { relay: RELAY });
    fillValidForm(handle);
    fireEvent.click(view(handle).getByRole('button', { name: 'Send' }));
    await view(handle).findByRole('heading', { name: 'Saved on this device' });
    handle.unmount();
    window.dispatchEvent(new Event('online'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(urls().filter((url) => url.endsWith('/tickets'))).toHaveLength(1);
  });

  it('reports an incomplete form as a validation error without logging it', async () => {
    const element = addTarget();
    const onError = vi.fn();
    const handle = mountTracked(element, { relay: RELAY, onError });
    fireEvent.click(view(handle).getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(onError).toHaveBeenCalledWith({ code: 'validation' }));
    expect(errors).not.toHaveBeenCalled();
  });
});
