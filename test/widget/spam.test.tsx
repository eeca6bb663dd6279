/** The spam defence as a visitor meets it: an invisible honeypot, the fill time, the challenge, and what a refusal says. */
import { fail, ok } from '../../src/shared/result';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FormDefinition } from '../../src/shared/form-definition';
import { BUILT_IN_FORM } from './forms';
import type { SubmitResult } from '../../src/submitter/submit-ticket';
import { registerLocale } from '../../src/widget/i18n';
import { nb } from '../../src/widget/locales/nb';
import { SENT, control, renderWidget, sendButton, type } from './render-widget';

registerLocale('nb', nb);

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  for (const script of document.querySelectorAll('script')) script.remove();
});

const trap = () => document.querySelector<HTMLInputElement>('input[name="sb-x7"]') as HTMLInputElement;

function fill() {
  type(control('Subject'), 'New car price list.');
  type(control('Message'), 'Hello I want to buy a new car, how can I get a price list?');
  type(control('Email'), 'bill_smith@gmail.com');
}

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let time = start;
  return { now: () => time, advance: (ms: number) => void (time += ms) };
}

describe('the honeypot', () => {
  it('is off-screen, out of the tab order, hidden from assistive tech, and marked for password managers to skip', async () => {
    renderWidget();
    await screen.findByLabelText('Subject');
    const input = trap();
    const wrapper = input.closest('.trap');
    expect(wrapper?.getAttribute('aria-hidden')).toBe('true');
    expect(input.tabIndex).toBe(-1);
    expect(input.type).toBe('text');
    expect(input.getAttribute('autocomplete')).toBe('off');
    for (const [name, value] of [['data-1p-ignore', ''], ['data-lpignore', 'true'], ['data-bwignore', ''], ['data-form-type', 'other']]) {
      expect(input.getAttribute(name as string)).toBe(value);
    }
    // Nothing an autofill heuristic reads as a contact field: not its name, id or label.
    expect(input.id).toBe('');
    expect(`${input.name} ${input.closest('label')?.textContent}`).not.toMatch(/name|mail|phone|tel|address|company|url|web|city|zip/i);
    expect(screen.queryByRole('textbox', { name: /empty/i })).toBeNull();
  });

  it('sends its value, then empties it, so a person whose tool filled it gets through with the next press', async () => {
    const answers: SubmitResult[] = [fail({ code: 'spam_suspected' }), SENT];
    const { sent } = renderWidget({ submit: async () => answers.shift() ?? SENT });
    await screen.findByLabelText('Subject');
    fill();
    trap().value = 'autofilled';
    fireEvent.click(sendButton());
    await screen.findByText(/faster than a person usually can/);
    expect(sent[0]?.verification?.trap).toBe('autofilled');
    expect(trap().value).toBe('');
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(sent[1]?.verification?.trap).toBe('');
  });
});

describe('the fill time', () => {
  it('is the time from showing the form to pressing Send, and starts again for another message', async () => {
    const time = clock();
    const { sent } = renderWidget({ now: time.now });
    await screen.findByLabelText('Subject');
    time.advance(7_250);
    fill();
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    fireEvent.click(screen.getByRole('button', { name: 'Send another message' }));
    time.advance(2_000);
    fill();
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(sent.map((request) => request.verification?.fillMs)).toEqual([7_250, 2_000]);
  });

  it('explains a refusal for being too fast, keeps everything typed, and sends with the longer time on the next press', async () => {
    const time = clock();
    const answers: SubmitResult[] = [fail({ code: 'spam_suspected' }), SENT];
    const { sent } = renderWidget({ now: time.now, submit: async () => answers.shift() ?? SENT });
    await screen.findByLabelText('Subject');
    time.advance(400);
    fill();
    fireEvent.click(sendButton());
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Your message was not sent: the form was sent faster than a person usually can. Please check it and press Send again.',
    );
    expect(control('Subject').value).toBe('New car price list.');
    expect(control('Email').value).toBe('bill_smith@gmail.com');
    time.advance(3_000);
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(sent.map((request) => request.verification?.fillMs)).toEqual([400, 3_400]);
  });

  it('says it in Norwegian on a Norwegian page', async () => {
    renderWidget({ locale: 'nb', submit: async () => fail({ code: 'spam_suspected' }) });
    await screen.findByLabelText('Emne');
    type(control('Emne'), 'Prisliste');
    type(control('Melding'), 'Hei, kan jeg få en prisliste?');
    type(control('E-post'), 'ola@example.no');
    fireEvent.click(sendButton());
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Meldingen ble ikke sendt: skjemaet ble sendt raskere enn et menneske vanligvis klarer. Se over det og trykk Send igjen.',
    );
  });
});

describe('a provider challenge (Turnstile)', () => {
  const FORM: FormDefinition = { ...BUILT_IN_FORM, challenge: { provider: 'turnstile', siteKey: '1x00000000000000000000AA', action: 'ticket' } };

  /** Stands in for window.turnstile, as the provider's script defines it. */
  function stubTurnstile(token: string | undefined) {
    const api = {
      token,
      render: vi.fn((_container: HTMLElement, _options: Record<string, string>) => 'widget-1'),
      getResponse: vi.fn(() => api.token),
      reset: vi.fn(),
      remove: vi.fn(),
    };
    vi.stubGlobal('turnstile', api);
    return api;
  }

  it('renders the provider widget into the form with the site key and action, and sends its token', async () => {
    const api = stubTurnstile('turnstile-token-1');
    const { sent } = renderWidget({ form: FORM });
    await waitFor(() => expect(api.render).toHaveBeenCalled());
    const [container, options] = api.render.mock.calls[0] ?? [];
    expect(container?.closest('form')).not.toBeNull();
    expect(options).toEqual({ sitekey: '1x00000000000000000000AA', action: 'ticket' });
    fill();
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(sent[0]?.verification?.challenge).toBe('turnstile-token-1');
  });

  it('asks the visitor to complete the check when it has no token yet, without sending', async () => {
    const api = stubTurnstile(undefined);
    const { sent } = renderWidget({ form: FORM });
    await waitFor(() => expect(api.render).toHaveBeenCalled());
    fill();
    fireEvent.click(sendButton());
    expect((await screen.findByRole('alert')).textContent).toBe('Please complete the check that you are not a robot, then press Send again.');
    expect(sent).toEqual([]);
  });

  it('resets the challenge after a refused token, keeps the form filled, and sends the new token on the next press', async () => {
    const api = stubTurnstile('used-token');
    const answers: SubmitResult[] = [fail({ code: 'challenge_failed' }), SENT];
    const { sent } = renderWidget({ form: FORM, submit: async () => answers.shift() ?? SENT });
    await waitFor(() => expect(api.render).toHaveBeenCalled());
    fill();
    fireEvent.click(sendButton());
    expect((await screen.findByRole('alert')).textContent).toMatch(/failed or expired, so it has been reset/);
    expect(api.reset).toHaveBeenCalledWith('widget-1');
    expect(control('Message').value).toBe('Hello I want to buy a new car, how can I get a price list?');
    api.token = 'fresh-token';
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(sent.map((request) => request.verification?.challenge)).toEqual(['used-token', 'fresh-token']);
  });

  it('loads the provider script (explicit rendering) only when the relay asks for a challenge, and names a load failure on the console', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    renderWidget();
    await screen.findByLabelText('Subject');
    expect(document.querySelectorAll('script')).toHaveLength(0);
    cleanup();
    renderWidget({ form: FORM });
    await waitFor(() => expect(document.querySelector('script')?.src).toBe('https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit'));
    // jsdom loads no scripts: the failure a page's CSP would cause.
    await waitFor(() =>
      expect(error).toHaveBeenCalledWith('[SocialboardsTicket] turnstile did not load; see docs/spam.md for the CSP it needs'),
    );
    error.mockRestore();
  });

  it('loads hCaptcha from its own URL and renders it without an action', async () => {
    const api = { render: vi.fn(() => 'h-1'), getResponse: vi.fn(() => 'h-token'), reset: vi.fn(), remove: vi.fn() };
    vi.stubGlobal('hcaptcha', api);
    const { sent } = renderWidget({ form: { ...BUILT_IN_FORM, challenge: { provider: 'hcaptcha', siteKey: '10000000-ffff-ffff-ffff-000000000001', action: 'ticket' } } });
    await waitFor(() => expect(api.render).toHaveBeenCalledWith(expect.any(HTMLElement), { sitekey: '10000000-ffff-ffff-ffff-000000000001' }));
    fill();
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(sent[0]?.verification?.challenge).toBe('h-token');
  });
});

describe('ALTCHA', () => {
  const FORM: FormDefinition = { ...BUILT_IN_FORM, challenge: { provider: 'altcha', path: '/challenge' } };
  const NOW = 1_000_000;
  /** A solver that hands out solution-1, solution-2, … each good for `validMs`. */
  const solver = (validMs = 600_000) => {
    const solve = vi.fn(async () => ok({ payload: `solution-${solve.mock.calls.length}`, expiresAt: NOW + validMs }));
    return solve;
  };

  it('solves in the background once the visitor starts typing, and Send uses that solution, loading no script', async () => {
    const solveAltcha = solver();
    const { sent } = renderWidget({ form: FORM, solveAltcha, now: () => NOW });
    await screen.findByLabelText('Subject');
    expect(solveAltcha).not.toHaveBeenCalled();
    fill();
    expect(solveAltcha).toHaveBeenCalledTimes(1);
    expect(solveAltcha).toHaveBeenCalledWith('/challenge', expect.any(AbortSignal));
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(solveAltcha).toHaveBeenCalledTimes(1);
    expect(sent.map((request) => request.verification?.challenge)).toEqual(['solution-1']);
    expect(document.querySelectorAll('script')).toHaveLength(0);
  });

  it('solves again at Send when the background solution would expire within 30 s', async () => {
    const solveAltcha = solver(29_000);
    const { sent } = renderWidget({ form: FORM, solveAltcha, now: () => NOW });
    await screen.findByLabelText('Subject');
    fill();
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(sent.map((request) => request.verification?.challenge)).toEqual(['solution-2']);
  });

  it('solves a new challenge after a refused one, keeping the form filled', async () => {
    const solveAltcha = solver();
    const answers: SubmitResult[] = [fail({ code: 'challenge_failed' }), SENT];
    const { sent } = renderWidget({ form: FORM, solveAltcha, now: () => NOW, submit: async () => answers.shift() ?? SENT });
    await screen.findByLabelText('Subject');
    fill();
    fireEvent.click(sendButton());
    await screen.findByRole('alert');
    expect(control('Subject').value).toBe('New car price list.');
    fireEvent.click(sendButton());
    await screen.findByText('Thank you!');
    expect(sent.map((request) => request.verification?.challenge)).toEqual(['solution-1', 'solution-2']);
  });

  it('asks for the check and names the cause on the console where ALTCHA cannot run (no Web Crypto)', async () => {
    const { sent, report } = renderWidget({ form: FORM, solveAltcha: async () => fail({ code: 'challenge_required' }) });
    await screen.findByLabelText('Subject');
    fill();
    fireEvent.click(sendButton());
    expect((await screen.findByRole('alert')).textContent).toBe('Please complete the check that you are not a robot, then press Send again.');
    expect(report).toHaveBeenCalledWith('ALTCHA needs Web Crypto: serve the page over HTTPS');
    expect(sent).toEqual([]);
  });

  it('reports a challenge that could not be fetched like any network failure', async () => {
    const { sent } = renderWidget({ form: FORM, solveAltcha: async () => fail({ code: 'network' }) });
    await screen.findByLabelText('Subject');
    fill();
    fireEvent.click(sendButton());
    expect((await screen.findByRole('alert')).textContent).toBe('We could not reach the support service. Check your connection and try again.');
    expect(sent).toEqual([]);
  });
});
