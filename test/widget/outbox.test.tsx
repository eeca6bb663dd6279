/**
 * The browser outbox as a visitor meets it: a message is written to the device before it is sent,
 * waits there when the relay cannot be reached, and is delivered later (when the browser is back
 * online, or on the next visit) with the same Idempotency-Key; the relay's queued answer.
 */
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { fail, ok } from '../../src/shared/result';
import type { TicketRequestInput } from '../../src/shared/ticket-request';
import type { SubmitResult } from '../../src/submitter/submit-ticket';
import { SENT, control, deferred, fillBuiltIns, renderWidget, sendButton, type RenderOptions } from './render-widget';

const DEVICE = { relay: 'https://relay.example', page: 'https://shop.example/contact' };
const PREFIX = `socialboards-ticket:outbox:${DEVICE.relay} `;
const DAY = 864e5;
const OFFLINE: SubmitResult = fail({ code: 'network' });

interface Entry {
  key: string;
  body: string;
  at: number;
  values: Record<string, unknown>;
  files: unknown[];
}
/** The outbox as stored. */
const entries = () =>
  Object.keys(localStorage)
    .filter((name) => name.startsWith(PREFIX))
    .map((name) => JSON.parse(localStorage.getItem(name)!) as Entry);

/** A relay the test answers: one scripted result per send, in order; the last repeats. */
function relay(...answers: SubmitResult[]) {
  const calls: { request: TicketRequestInput; key: string }[] = [];
  const submit = async (request: TicketRequestInput, key: string) => {
    calls.push({ request, key });
    return answers.length > 1 ? answers.shift()! : answers[0]!;
  };
  return { submit, calls };
}

async function visit(options: RenderOptions = {}) {
  const rendered = renderWidget({ device: DEVICE, ...options });
  await waitFor(() => expect(rendered.loads).toHaveBeenCalled());
  return rendered;
}

/** Leaves the page, as closing the tab does. */
function leavePage(widget: { dispose(): void }) {
  widget.dispose();
  cleanup();
}

let warnings: MockInstance<typeof console.warn>;
beforeEach(() => {
  warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe('writing ahead', () => {
  it('stores the submission, with its key and the exact body, before the first attempt, and removes it when the ticket exists', async () => {
    let seen: Entry[] = [];
    const { submit, calls } = relay(SENT);
    await visit({
      submit: async (request, key) => {
        seen = entries();
        return submit(request, key);
      },
    });
    fillBuiltIns();
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.key).toBe(calls[0]!.key);
    expect(JSON.parse(seen[0]!.body)).toEqual(calls[0]!.request);
    expect(seen[0]!.at).toBeLessThanOrEqual(Date.now());
    expect(entries()).toEqual([]);
  });

  it('removes it when the relay refuses what the visitor must correct, and keeps the form filled', async () => {
    await visit({ submit: async () => fail({ code: 'validation', fields: [{ path: 'creator.email', code: 'invalid_email' }] }) });
    fillBuiltIns();
    fireEvent.click(sendButton());
    await screen.findByText('Please correct the highlighted fields.');
    expect(entries()).toEqual([]);
    expect(control('Subject').value).toBe('New car price list.');
  });

  it('removes it when the relay says to come back later, and the form stays for that', async () => {
    await visit({ submit: async () => fail({ code: 'rate_limited', retryAfterMs: 600_000 }) });
    fillBuiltIns();
    fireEvent.click(sendButton());
    await screen.findByText('Too many messages were sent from your connection. Please try again in 10 minutes.');
    expect(entries()).toEqual([]);
  });
});

describe('a relay that cannot be reached', () => {
  it.each(['network', 'timeout', 'upstream_unavailable', 'upstream_timeout', 'upstream_busy', 'internal'] as const)(
    'after %s, says the message is saved on this device and keeps it',
    async (code) => {
      const { emitted } = await visit({ submit: async () => fail({ code }) });
      fillBuiltIns();
      fireEvent.click(sendButton());
      expect(await screen.findByRole('heading', { name: 'Saved on this device' })).toBeTruthy();
      expect(screen.getAllByText('We could not reach the support service. Your message will be sent when you are back online or open this page again.')).toHaveLength(2);
      expect(entries()).toHaveLength(1);
      // Not delivered, so not "submitted"; and not an error either.
      expect(emitted).toEqual([]);
    },
  );

  it('sends it when the browser is back online, with the same key and body, and says it was received', async () => {
    const { submit, calls } = relay(OFFLINE, ok({ ticketId: 4712 }));
    const { widget, emitted } = await visit({ submit });
    fillBuiltIns();
    fireEvent.click(sendButton());
    await screen.findByRole('heading', { name: 'Saved on this device' });

    await widget.deliver();
    expect(await screen.findByRole('heading', { name: 'Thank you!' })).toBeTruthy();
    expect(screen.getAllByText('We have received your message. Your ticket number is 4712.').length).toBeGreaterThan(0);
    expect(calls.map(({ key }) => key)).toEqual([calls[0]!.key, calls[0]!.key]);
    expect(calls[1]!.request).toEqual(calls[0]!.request);
    expect(entries()).toEqual([]);
    expect(emitted).toEqual([['submitted', { ticketId: 4712 }]]);
  });

  it('keeps it while the relay still cannot be reached', async () => {
    const { submit, calls } = relay(OFFLINE);
    const { widget } = await visit({ submit });
    fillBuiltIns();
    fireEvent.click(sendButton());
    await screen.findByRole('heading', { name: 'Saved on this device' });
    await widget.deliver();
    expect(calls).toHaveLength(2);
    expect(screen.getByRole('heading', { name: 'Saved on this device' })).toBeTruthy();
    expect(entries()).toHaveLength(1);
  });

  it('sends it on the next visit, with its key, and says so in the form and to the page', async () => {
    const first = relay(OFFLINE);
    const before = await visit({ submit: first.submit });
    fillBuiltIns();
    fireEvent.click(sendButton());
    await screen.findByRole('heading', { name: 'Saved on this device' });
    leavePage(before.widget);

    const later = relay(ok({ ticketId: 4713 }));
    const { emitted } = await visit({ submit: later.submit });
    expect(await screen.findByText('Your saved message has been sent.')).toBeTruthy();
    expect(later.calls.map(({ key }) => key)).toEqual([first.calls[0]!.key]);
    expect(later.calls[0]!.request).toEqual(first.calls[0]!.request);
    expect(emitted).toEqual([['submitted', { ticketId: 4713 }]]);
    expect(entries()).toEqual([]);
    // The form is fresh, for a new message.
    expect(control('Subject').value).toBe('');
  });

  it('loses nothing when the page goes away mid-send', async () => {
    const answer = deferred<SubmitResult>();
    const { widget, sent } = await visit({ submit: () => answer.promise });
    fillBuiltIns();
    fireEvent.click(sendButton());
    await waitFor(() => expect(sent).toHaveLength(1));
    leavePage(widget);
    answer.resolve(fail({ code: 'aborted' }));
    await Promise.resolve();
    expect(entries()).toHaveLength(1);
  });

  it('puts a message the relay refuses later back into the form, with the relay’s reason', async () => {
    const first = relay(OFFLINE);
    const before = await visit({ submit: first.submit });
    fillBuiltIns();
    fireEvent.click(sendButton());
    await screen.findByRole('heading', { name: 'Saved on this device' });
    leavePage(before.widget);

    const later = relay(fail({ code: 'validation', fields: [{ path: 'creator.email', code: 'invalid_email' }] }));
    const { emitted } = await visit({ submit: later.submit });
    await screen.findByText('Please correct the highlighted fields.');
    expect(control('Subject').value).toBe('New car price list.');
    expect(control('Email').getAttribute('aria-invalid')).toBe('true');
    expect(entries()).toEqual([]);
    expect(emitted).toEqual([['error', { code: 'validation' }]]);
  });

  it('keeps a refused message for a later visit rather than overwrite a draft the visitor is writing', async () => {
    localStorage.setItem(
      `socialboards-ticket:draft:${DEVICE.relay} ${DEVICE.page}`,
      JSON.stringify({ at: Date.now(), values: { title: 'A new question' }, files: [] }),
    );
    localStorage.setItem(
      `${PREFIX}0123456789abcdef0123456789abcdef`,
      JSON.stringify({ key: '0123456789abcdef0123456789abcdef', body: '{"title":"Old"}', at: Date.now(), values: { title: 'Old' }, files: [] }),
    );
    await visit({ submit: async () => fail({ code: 'challenge_failed' }) });
    await waitFor(() => expect(control('Subject').value).toBe('A new question'));
    expect(entries()).toHaveLength(1);
  });

  it('drops a message older than the draft expiry, with a console warning', async () => {
    localStorage.setItem(
      `${PREFIX}0123456789abcdef0123456789abcdef`,
      JSON.stringify({ key: '0123456789abcdef0123456789abcdef', body: '{"title":"Old"}', at: Date.now() - 8 * DAY, values: {}, files: [] }),
    );
    const { sent } = await visit();
    await waitFor(() => expect(entries()).toEqual([]));
    expect(sent).toEqual([]);
    expect(warnings).toHaveBeenCalledWith('[SocialboardsTicket]', 'dropped a message not sent within', 7, 'days');
  });

  it('tells the visitor about the failure, as before, when the browser keeps nothing', async () => {
    vi.spyOn(localStorage, 'setItem').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    await visit({ submit: async () => OFFLINE });
    fillBuiltIns();
    fireEvent.click(sendButton());
    expect((await screen.findByRole('alert')).textContent).toBe('We could not reach the support service. Check your connection and try again.');
    expect(warnings).toHaveBeenCalledTimes(1);
    expect(warnings.mock.calls[0]?.slice(0, 2)).toEqual(['[SocialboardsTicket]', 'drafts and the outbox are off:']);
  });
});

describe('the relay’s queued answer (202)', () => {
  it('is a success: the confirmation says it will reach the team, with the reference, and the page gets { queued, reference }', async () => {
    const { emitted } = await visit({ submit: async () => ok({ queued: true, reference: 'q_7Hk2' }) });
    fillBuiltIns();
    fireEvent.click(sendButton());
    expect(await screen.findByRole('heading', { name: 'Thank you!' })).toBeTruthy();
    expect(screen.getAllByText('We have received your message and will pass it on to our team. Your reference is q_7Hk2.').length).toBeGreaterThan(0);
    expect(emitted).toEqual([['submitted', { queued: true, reference: 'q_7Hk2' }]]);
    expect(entries()).toEqual([]);
  });
});
