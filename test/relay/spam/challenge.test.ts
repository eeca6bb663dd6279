import { solveChallenge } from 'altcha-lib';
import type { Challenge } from 'altcha-lib/types';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ORIGIN } from '../helpers';
import { startSiteverifyStandIn } from './siteverify-stand-in';
import type { SiteverifyStandIn } from './siteverify-stand-in';
import { FAILS_ONCE, TICKET, codeOf, newKey, spamRelay } from './support';

const SECRET = 'stand-in-secret-0x4AAA';
const SITE_KEY = '1x00000000000000000000AA';
const HOST = new URL(ORIGIN).hostname;
const filled = (challenge: string) => ({ ...TICKET, verification: { fillMs: 5000, trap: '', challenge } });

describe.each(['turnstile', 'hcaptcha'] as const)('RELAY_CHALLENGE=%s', (provider) => {
  let standIn: SiteverifyStandIn;
  let tokens = 0;
  /** A token as the provider's script hands it to the page after a visitor passed. */
  const solved = (overrides: { hostname?: string; action?: string; siteKey?: string } = {}) => {
    const token = `${provider}-token-${++tokens}-${'x'.repeat(40)}`;
    standIn.issue(token, { hostname: HOST, action: 'ticket', ...overrides });
    return token;
  };
  const relay = (env: Record<string, string> = {}, url = standIn.url, upstream: Parameters<typeof spamRelay>[2] = {}) =>
    spamRelay(
      {
        RELAY_CHALLENGE: provider,
        RELAY_CHALLENGE_SITE_KEY: SITE_KEY,
        RELAY_CHALLENGE_SECRET: SECRET,
        RELAY_CHALLENGE_VERIFY_URL: url,
        ...env,
      },
      {},
      upstream,
    );

  beforeAll(async () => {
    standIn = await startSiteverifyStandIn({ provider, secret: SECRET, siteKey: SITE_KEY });
  });
  afterAll(() => standIn.close());

  it('tells the widget the provider, site key and action in GET /form', async () => {
    const response = await relay().app.request('/form', { headers: { Origin: ORIGIN } });
    expect(((await response.json()) as { challenge: unknown }).challenge).toEqual({ provider, siteKey: SITE_KEY, action: 'ticket' });
  });

  it('creates the ticket for a token the provider confirms, sending it the secret and token, and Socialboards neither', async () => {
    const { post, ticketCalls, ticketBodies } = relay();
    const token = solved();
    expect((await post(filled(token))).status).toBe(201);
    expect(ticketCalls()).toBe(1);
    expect(ticketBodies()[0]).not.toContain(token);
    expect(ticketBodies()[0]).not.toContain(SECRET);
    expect(standIn.requests.at(-1)).toMatchObject({ secret: SECRET, response: token, ...(provider === 'hcaptcha' ? { sitekey: SITE_KEY } : {}) });
  });

  it('refuses a request without a token with 400 challenge_required, without asking the provider', async () => {
    const { post, ticketCalls } = relay();
    const before = standIn.requests.length;
    const response = await post({ ...TICKET, verification: { fillMs: 5000 } });
    expect(response.status).toBe(400);
    expect(await codeOf(response)).toBe('challenge_required');
    expect(standIn.requests.length).toBe(before);
    expect(ticketCalls()).toBe(0);
  });

  it('refuses a token the provider does not know with 403 challenge_failed', async () => {
    const { post, ticketCalls, logs } = relay();
    const response = await post(filled('made-up-token'));
    expect(response.status).toBe(403);
    expect(await codeOf(response)).toBe('challenge_failed');
    expect(ticketCalls()).toBe(0);
    expect(logs.records().find((record) => record.msg === 'challenge refused')).toMatchObject({ reason: 'not_solved', detail: 'invalid-input-response' });
    expect(logs.lines.join('\n')).not.toContain('made-up-token');
  });

  it('refuses a token used for a second ticket (the provider answers "duplicate")', async () => {
    const { post, ticketCalls } = relay();
    const token = solved();
    expect((await post(filled(token))).status).toBe(201);
    const again = await post(filled(token));
    expect(again.status).toBe(403);
    expect(await codeOf(again)).toBe('challenge_failed');
    expect(ticketCalls()).toBe(1);
  });

  it('refuses a token solved on another host name than the allowed origins', async () => {
    const { post, logs } = relay();
    expect(await codeOf(await post(filled(solved({ hostname: 'evil.example' }))))).toBe('challenge_failed');
    expect(logs.records().find((record) => record.msg === 'challenge refused')).toMatchObject({ reason: 'wrong_hostname' });
  });

  it('accepts the host names RELAY_CHALLENGE_HOSTNAMES lists instead', async () => {
    const { post } = relay({ RELAY_CHALLENGE_HOSTNAMES: 'www.shop.example, checkout.shop.example' });
    expect(await codeOf(await post(filled(solved())))).toBe('challenge_failed');
    expect((await post(filled(solved({ hostname: 'checkout.shop.example' })))).status).toBe(201);
  });

  it('answers 502 upstream_unavailable (which the widget retries) when the provider cannot be reached', async () => {
    const { post } = relay({}, 'http://127.0.0.1:9/siteverify');
    const response = await post(filled(solved()));
    expect(response.status).toBe(502);
    expect(await codeOf(response)).toBe('upstream_unavailable');
  });

  it('answers upstream_unavailable when the provider answers 5xx, and accepts the same token once it is back', async () => {
    const { post } = relay();
    const token = solved();
    const key = newKey();
    standIn.failWith(503);
    try {
      expect(await codeOf(await post(filled(token), { key }))).toBe('upstream_unavailable');
    } finally {
      standIn.failWith(undefined);
    }
    expect((await post(filled(token), { key })).status).toBe(201);
  });

  it('lets the widget’s automatic retry after a Socialboards failure through with its token, and no other submission', async () => {
    const { post, ticketCalls } = relay({}, standIn.url, FAILS_ONCE);
    const token = solved();
    const key = newKey();
    expect((await post(filled(token), { key })).status).toBe(502);
    // The provider would call the token a duplicate: the relay knows this submission verified it.
    expect((await post(filled(token), { key })).status).toBe(201);
    const other = await post(filled(token));
    expect(other.status).toBe(403);
    expect(await codeOf(other)).toBe('challenge_failed');
    expect(ticketCalls()).toBe(2);
  });

  it('replays the first answer for a retry with the same Idempotency-Key instead of refusing its used token', async () => {
    const { post, ticketCalls } = relay();
    const token = solved();
    const key = newKey();
    expect((await post(filled(token), { key })).status).toBe(201);
    const retry = await post(filled(token), { key });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true');
    expect(ticketCalls()).toBe(1);
  });
});

describe('RELAY_CHALLENGE=turnstile checks', () => {
  let standIn: SiteverifyStandIn;
  beforeAll(async () => {
    standIn = await startSiteverifyStandIn({ provider: 'turnstile', secret: SECRET, siteKey: SITE_KEY, forgetsUsedTokens: true });
  });
  afterAll(() => standIn.close());
  const relay = (env: Record<string, string> = {}) =>
    spamRelay({ RELAY_CHALLENGE: 'turnstile', RELAY_CHALLENGE_SITE_KEY: SITE_KEY, RELAY_CHALLENGE_SECRET: SECRET, RELAY_CHALLENGE_VERIFY_URL: standIn.url, ...env });

  it('refuses a token solved for another action than RELAY_CHALLENGE_ACTION', async () => {
    standIn.issue('token-login', { hostname: HOST, action: 'login' });
    standIn.issue('token-contact', { hostname: HOST, action: 'contact' });
    expect(await codeOf(await relay().post(filled('token-login')))).toBe('challenge_failed');
    expect((await relay({ RELAY_CHALLENGE_ACTION: 'contact' }).post(filled('token-contact'))).status).toBe(201);
  });

  it('refuses a second use itself, even when the provider would accept the token again', async () => {
    standIn.issue('token-twice', { hostname: HOST, action: 'ticket' });
    const { post, logs } = relay();
    expect((await post(filled('token-twice'))).status).toBe(201);
    expect(await codeOf(await post(filled('token-twice')))).toBe('challenge_failed');
    expect(logs.records().find((record) => record.msg === 'challenge refused')).toMatchObject({ reason: 'reused' });
  });
});

describe('RELAY_CHALLENGE=hcaptcha checks', () => {
  it('refuses a token solved for another site key of the same account', async () => {
    const standIn = await startSiteverifyStandIn({ provider: 'hcaptcha', secret: SECRET, siteKey: SITE_KEY });
    try {
      standIn.issue('token-other-site', { hostname: HOST, siteKey: '20000000-ffff-ffff-ffff-000000000002' });
      const { post } = spamRelay({ RELAY_CHALLENGE: 'hcaptcha', RELAY_CHALLENGE_SITE_KEY: SITE_KEY, RELAY_CHALLENGE_SECRET: SECRET, RELAY_CHALLENGE_VERIFY_URL: standIn.url });
      expect(await codeOf(await post(filled('token-other-site')))).toBe('challenge_failed');
    } finally {
      await standIn.close();
    }
  });
});

describe('RELAY_CHALLENGE=altcha', () => {
  const HMAC_KEY = 'altcha-hmac-key-for-tests-0123456789abcdef';
  const relay = (env: Record<string, string> = {}, upstream: Parameters<typeof spamRelay>[2] = {}) =>
    spamRelay({ RELAY_CHALLENGE: 'altcha', RELAY_CHALLENGE_SECRET: HMAC_KEY, RELAY_ALTCHA_MAX_NUMBER: '2000', ...env }, {}, upstream);
  const fetchChallenge = async (app: ReturnType<typeof relay>['app'], origin = ORIGIN) => {
    const response = await app.request('/challenge', { headers: { Origin: origin } });
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    return (await response.json()) as Challenge;
  };
  /** What the widget sends: the challenge and its solution, base64-encoded JSON. */
  const solve = async (challenge: Challenge) => {
    const solution = await solveChallenge({ challenge, deriveKey });
    if (solution === null) throw new Error('not solved');
    return btoa(JSON.stringify({ challenge, solution: { counter: solution.counter, derivedKey: solution.derivedKey } }));
  };

  it('points the widget at GET /challenge, which serves a fresh signed challenge that expires', async () => {
    const { app } = relay();
    const form = (await (await app.request('/form', { headers: { Origin: ORIGIN } })).json()) as { challenge: unknown };
    expect(form.challenge).toEqual({ provider: 'altcha', path: '/challenge' });
    const first = await fetchChallenge(app);
    const second = await fetchChallenge(app);
    expect(first.parameters).toMatchObject({ algorithm: 'SHA-256', data: { action: 'ticket', host: HOST } });
    expect(first.parameters.expiresAt).toBeGreaterThan(Date.now() / 1000 + 1100);
    expect(first.parameters.expiresAt).toBeLessThanOrEqual(Date.now() / 1000 + 1200);
    expect(first.signature).toMatch(/^[\da-f]{64}$/);
    expect(second.parameters.nonce).not.toBe(first.parameters.nonce);
  });

  it('creates the ticket for a solved challenge, once', async () => {
    const { app, post, ticketCalls } = relay();
    const payload = await solve(await fetchChallenge(app));
    expect((await post(filled(payload))).status).toBe(201);
    const again = await post(filled(payload));
    expect(again.status).toBe(403);
    expect(await codeOf(again)).toBe('challenge_failed');
    expect(ticketCalls()).toBe(1);
  });

  it('lets a retry of the same submission after a Socialboards failure through with its solution, and no other submission', async () => {
    const { app, post, ticketCalls } = relay({}, FAILS_ONCE);
    const payload = await solve(await fetchChallenge(app));
    const key = newKey();
    expect((await post(filled(payload), { key })).status).toBe(502);
    expect((await post(filled(payload), { key })).status).toBe(201);
    expect((await post(filled(payload))).status).toBe(403);
    expect(ticketCalls()).toBe(2);
  });

  it('refuses a wrong solution, a tampered challenge and garbage', async () => {
    const { app, post } = relay();
    const challenge = await fetchChallenge(app);
    const wrong = btoa(JSON.stringify({ challenge, solution: { counter: 1, derivedKey: '00'.repeat(32) } }));
    expect(await codeOf(await post(filled(wrong)))).toBe('challenge_failed');
    const easier = { ...challenge, parameters: { ...challenge.parameters, keyPrefix: '00' } };
    expect(await codeOf(await post(filled(await solve(easier))))).toBe('challenge_failed');
    expect(await codeOf(await post(filled('not base64 json')))).toBe('challenge_failed');
  });

  it('refuses a challenge signed by another relay (another key)', async () => {
    const payload = await solve(await fetchChallenge(relay({ RELAY_CHALLENGE_SECRET: 'another-relay-key-0123456789abcdefghij' }).app));
    expect(await codeOf(await relay().post(filled(payload)))).toBe('challenge_failed');
  });

  it('without RELAY_CHALLENGE_SECRET, signs with a random key per process: a challenge from one relay instance fails at another', async () => {
    const one = spamRelay({ RELAY_CHALLENGE: 'altcha', RELAY_ALTCHA_MAX_NUMBER: '2000' });
    const other = spamRelay({ RELAY_CHALLENGE: 'altcha', RELAY_ALTCHA_MAX_NUMBER: '2000' });
    const payload = await solve(await fetchChallenge(one.app));
    expect(await codeOf(await other.post(filled(payload)))).toBe('challenge_failed');
    expect((await one.post(filled(payload))).status).toBe(201);
  });

  it('refuses an expired challenge (RELAY_ALTCHA_EXPIRY_SECONDS)', async () => {
    const { app, post, logs } = relay({ RELAY_ALTCHA_EXPIRY_SECONDS: '60' });
    const payload = await solve(await fetchChallenge(app));
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 });
    try {
      expect(await codeOf(await post(filled(payload)))).toBe('challenge_failed');
    } finally {
      vi.useRealTimers();
    }
    expect(logs.records().find((record) => record.msg === 'challenge refused')).toMatchObject({ reason: 'expired' });
  });

  it('refuses a challenge issued to a page on a host the relay does not expect', async () => {
    const { app, post, logs } = relay({ RELAY_CHALLENGE_HOSTNAMES: 'other.example' });
    expect(await codeOf(await post(filled(await solve(await fetchChallenge(app)))))).toBe('challenge_failed');
    expect(logs.records().find((record) => record.msg === 'challenge refused')).toMatchObject({ reason: 'wrong_hostname' });
  });

  it('refuses GET /challenge to a page on an origin that is not allowed', async () => {
    const response = await relay().app.request('/challenge', { headers: { Origin: 'https://evil.example' } });
    expect(response.status).toBe(403);
  });

  it('has no GET /challenge when the challenge is not ALTCHA', async () => {
    expect((await spamRelay().app.request('/challenge')).status).toBe(404);
  });
});
