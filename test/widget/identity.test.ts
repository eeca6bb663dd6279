/** The `identity` option: the signed token goes with each ticket, a function is asked at send time, and a refusal is explained. */
import { fireEvent, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { mountWith, type WidgetHandle } from '../../src/widget/mount';
import { optionsFromDataset, parseOptions } from '../../src/widget/options';
import { json, stubRelay } from './fake-relay';

const RELAY = 'https://relay.example';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFubkBleGFtcGxlLmNvbSJ9.c2lnbmF0dXJl';

let errors: MockInstance<typeof console.error>;
const handles: WidgetHandle[] = [];

beforeEach(() => {
  errors = vi.spyOn(console, 'error').mockImplementation(() => {});
});

afterEach(() => {
  for (const handle of handles.splice(0)) handle.unmount();
  document.body.replaceChildren();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

function mount(options: Record<string, unknown>, fromData = false): WidgetHandle {
  const target = document.body.appendChild(document.createElement('div'));
  const handle = mountWith(target, { relay: RELAY, ...options }, fromData);
  handles.push(handle);
  return handle;
}

const view = (handle: WidgetHandle) => within(handle.element!.shadowRoot! as unknown as HTMLElement);

function fillAndSend(handle: WidgetHandle) {
  const form = view(handle);
  fireEvent.input(form.getByLabelText('Subject'), { target: { value: 'Where is my order?' } });
  fireEvent.input(form.getByLabelText('Message'), { target: { value: 'It has not arrived.' } });
  fireEvent.input(form.getByLabelText('Email'), { target: { value: 'typed@example.com' } });
  fireEvent.click(form.getByRole('button', { name: 'Send' }));
}

/** The bodies of the ticket requests the widget sent. */
const ticketBodies = (fetch: ReturnType<typeof stubRelay>['fetch']) =>
  fetch.mock.calls.filter(([url]) => url.endsWith('/tickets')).map(([, init]) => JSON.parse(init?.body as string) as Record<string, unknown>);

describe('the identity option', () => {
  it('sends the token as the request\'s top-level "identity"', async () => {
    const { fetch } = stubRelay({ '/tickets': json(201, { ticketId: 7 }) });
    const handle = mount({ identity: TOKEN });
    fillAndSend(handle);
    await waitFor(() => expect(view(handle).getByRole('heading', { name: 'Thank you!' })).toBeTruthy());
    expect(ticketBodies(fetch)).toEqual([expect.objectContaining({ identity: TOKEN, creator: expect.objectContaining({ email: 'typed@example.com' }) })]);
  });

  it('takes the token from data-identity', () => {
    const { config, problems } = parseOptions(optionsFromDataset({ relay: RELAY, identity: TOKEN }), true);
    expect(problems).toEqual([]);
    expect(config?.identity).toBe(TOKEN);
  });

  it('asks a function for a fresh token at each send, not at mount', async () => {
    // Two answers worth retrying, then one to come back to later (an hour's Retry-After is not waited for), then a ticket.
    const answers = [
      json(503, { error: { code: 'upstream_unavailable', message: 'down' } }),
      json(503, { error: { code: 'upstream_unavailable', message: 'down' } }),
      () => new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'later' } }), { status: 429, headers: { 'Retry-After': '3600' } }),
      json(201, { ticketId: 10 }),
    ];
    const { fetch } = stubRelay({ '/tickets': (init) => answers.shift()!(init) });
    let issued = 0;
    const identity = vi.fn(async () => `token-${++issued}`);
    const handle = mount({ identity });
    expect(identity).not.toHaveBeenCalled();
    fillAndSend(handle);
    await waitFor(() => expect(view(handle).getByRole('alert').textContent).toMatch(/try again in/), { timeout: 10_000 });
    fireEvent.click(view(handle).getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(view(handle).getByRole('heading', { name: 'Thank you!' })).toBeTruthy());
    expect(identity).toHaveBeenCalledTimes(2);
    // Automatic retries within one send reuse its token.
    expect(ticketBodies(fetch).map((body) => body.identity)).toEqual(['token-1', 'token-1', 'token-1', 'token-2']);
  }, 20_000);

  it('sends an anonymous ticket when the function returns nothing', async () => {
    const { fetch } = stubRelay({ '/tickets': json(201, { ticketId: 8 }) });
    const handle = mount({ identity: () => null });
    fillAndSend(handle);
    await waitFor(() => expect(ticketBodies(fetch)).toHaveLength(1));
    expect(ticketBodies(fetch)[0]).not.toHaveProperty('identity');
  });

  it('sends nothing when the function fails, and says why on the console and to the visitor', async () => {
    const { fetch } = stubRelay({ '/tickets': json(201, { ticketId: 9 }) });
    const onError = vi.fn();
    const handle = mount({ identity: () => Promise.reject(new Error('session endpoint answered 500')), onError });
    fillAndSend(handle);
    await waitFor(() => expect(onError).toHaveBeenCalledWith({ code: 'identity_invalid' }));
    expect(ticketBodies(fetch)).toEqual([]);
    expect(errors).toHaveBeenCalledWith('[SocialboardsTicket] option "identity" failed: session endpoint answered 500');
    expect(view(handle).getByRole('alert').textContent).toMatch(/could not confirm that you are signed in/);
  });

  it('shows a refused token to the visitor in words, keeps what they typed, and gives the integrator the relay\'s reason', async () => {
    const message = 'The identity token has expired ("exp" is in the past); sign a fresh one, for instance when the visitor sends.';
    stubRelay({ '/tickets': json(401, { error: { code: 'identity_invalid', message } }) });
    const handle = mount({ identity: TOKEN, locale: 'en' });
    fillAndSend(handle);
    await waitFor(() => expect(view(handle).getByRole('alert').textContent).toBe(
      'We could not confirm that you are signed in. Copy your message, sign in again or reload the page, then send it.',
    ));
    expect((view(handle).getByLabelText('Message') as HTMLTextAreaElement).value).toBe('It has not arrived.');
    expect(errors).toHaveBeenCalledWith(`[SocialboardsTicket] the relay refused the identity: ${message}`);
    // The console names the check, never the token.
    expect(errors.mock.calls.flat().join('\n')).not.toContain(TOKEN);
  });

  it('reports an identity that is neither a token nor a function', () => {
    expect(parseOptions({ relay: RELAY, identity: 42 }).problems).toEqual(['option "identity" must be a signed token or a function returning one; got 42']);
  });
});
