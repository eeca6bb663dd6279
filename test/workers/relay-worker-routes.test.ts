/**
 * The relay's other routes on Cloudflare Workers, in workerd through miniflare: `GET /healthz` (with
 * the outbox's depth from its Durable Objects), `GET /form` from a form config given as JSON in
 * RELAY_FORM_CONFIG (a Worker has no file to name), and `GET /challenge` (ALTCHA) with a ticket
 * that carries the solved challenge, against the fake Socialboards on 127.0.0.1.
 */
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { Challenge } from 'altcha-lib/types';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_LIMITS } from '../../src/dev/stack';
import { startFakeSocialboards } from '../../src/fake-socialboards/server';
import type { RunningFakeSocialboards } from '../../src/fake-socialboards/server';
import { COMPATIBILITY, bundleWorker } from './worker-bundle';

const CLIENT_ID = 'workers-routes-client';
const REFRESH_TOKEN = 'workers-routes-refresh-SECRET-41aa';
const ORIGIN = 'https://shop.example';
/** A custom field of the fake's definitions, and the category picker. */
const FORM_CONFIG = { fields: [{ id: 42623 }], categories: { picker: true } };

let fake: RunningFakeSocialboards;
let worker: Miniflare;
let script: string;

beforeAll(async () => {
  fake = await startFakeSocialboards({ clientId: CLIENT_ID, refreshToken: REFRESH_TOKEN, port: 0 });
  worker = new Miniflare({
    modules: [{ type: 'ESModule', path: 'relay-worker.mjs', contents: (script = (await bundleWorker()).script) }],
    ...COMPATIBILITY,
    bindings: {
      ...DEMO_LIMITS,
      SOCIALBOARDS_CLIENT_ID: CLIENT_ID,
      SOCIALBOARDS_REFRESH_TOKEN: REFRESH_TOKEN,
      SOCIALBOARDS_API_URL: fake.url,
      RELAY_ALLOWED_ORIGINS: ORIGIN,
      RELAY_FORM_CONFIG: JSON.stringify(FORM_CONFIG),
      RELAY_CHALLENGE: 'altcha',
      RELAY_CHALLENGE_SECRET: 'workers-altcha-hmac-key-0123456789abcdef',
      RELAY_ALTCHA_MAX_NUMBER: '2000',
      RELAY_LOG: 'silent',
    },
    durableObjects: {
      IDEMPOTENCY: { className: 'IdempotencyShard', useSQLite: true },
      OUTBOX: { className: 'OutboxShard', useSQLite: true },
      CHALLENGES: { className: 'ChallengeShard', useSQLite: true },
    },
  });
  await worker.ready;
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
  await fake?.close();
});

const get = (path: string) => worker.dispatchFetch(`http://relay.example${path}`, { headers: { Origin: ORIGIN, 'CF-Connecting-IP': '203.0.113.40' } });

describe('the relay on Cloudflare Workers: /healthz, /form, /challenge', () => {
  it('answers GET /healthz with the outbox depth its Durable Objects hold', async () => {
    const response = await worker.dispatchFetch('http://relay.example/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', outbox: { queued: 0, dead: 0 } });
  });

  it('serves GET /form from the form config given as JSON in RELAY_FORM_CONFIG, with Socialboards’ definitions', async () => {
    const response = await get('/form');
    expect(response.status).toBe(200);
    const form = (await response.json()) as { fields: { path: string }[]; challenge: unknown };
    const paths = form.fields.map((field) => field.path);
    expect(paths).toEqual(expect.arrayContaining(['title', 'message', 'customFields.42623', 'categoryId']));
    expect(form.challenge).toEqual({ provider: 'altcha', path: '/challenge' });
  });

  it('issues an ALTCHA challenge on GET /challenge, and creates a ticket that carries its solution, once', async () => {
    const response = await get('/challenge');
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const challenge = (await response.json()) as Challenge;
    expect(challenge.parameters).toMatchObject({ algorithm: 'SHA-256', data: { action: 'ticket', host: 'shop.example' } });
    const solution = await solveChallenge({ challenge, deriveKey });
    if (solution === null) throw new Error('not solved');
    const payload = btoa(JSON.stringify({ challenge, solution: { counter: solution.counter, derivedKey: solution.derivedKey } }));
    const post = (key: string) =>
      worker.dispatchFetch('http://relay.example/tickets', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: ORIGIN, 'Idempotency-Key': key, 'CF-Connecting-IP': '203.0.113.41' },
        body: JSON.stringify({
          title: 'Solved',
          message: 'With a challenge solved in the browser.',
          creator: { email: 'ann@example.com' },
          verification: { fillMs: 5000, trap: '', challenge: payload },
        }),
      });
    expect((await post('workers-challenge-ticket-0001')).status).toBe(201);
    // Used once: another submission with the same solution is refused.
    expect((await post('workers-challenge-ticket-0002')).status).toBe(403);
  });
  it('refuses to run with RELAY_CHALLENGE on and no CHALLENGES binding: each isolate alone would take a used token again', async () => {
    const bare = new Miniflare({
      modules: [{ type: 'ESModule', path: 'relay-worker.mjs', contents: script }],
      ...COMPATIBILITY,
      bindings: {
        SOCIALBOARDS_CLIENT_ID: CLIENT_ID,
        SOCIALBOARDS_REFRESH_TOKEN: REFRESH_TOKEN,
        SOCIALBOARDS_API_URL: fake.url,
        RELAY_ALLOWED_ORIGINS: ORIGIN,
        RELAY_CHALLENGE: 'altcha',
        RELAY_CHALLENGE_SECRET: 'workers-altcha-hmac-key-0123456789abcdef',
      },
      durableObjects: { IDEMPOTENCY: { className: 'IdempotencyShard', useSQLite: true } },
    });
    try {
      const response = await bare.dispatchFetch('http://relay.example/challenge', { headers: { Origin: ORIGIN } });
      expect(response.status).toBe(500);
      // The uncaught ConfigError, as miniflare reports it (Cloudflare logs it and shows its own error page).
      const said = await response.text();
      expect(said).toContain('CHALLENGES: bind the ChallengeShard Durable Object class');
      expect(said).not.toContain(REFRESH_TOKEN);
    } finally {
      await bare.dispose();
    }
  }, 60_000);
});
