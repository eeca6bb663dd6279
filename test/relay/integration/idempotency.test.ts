/**
 * Exactly one ticket per submission over real HTTP: after ambiguous failures (with and without a
 * submission key field), across relays sharing one store (SQLite file, Redis), across a restart,
 * and after a relay process was killed with SIGKILL in the middle of a ticket.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { useRedis } from '../../support/use-redis';
import { CLIENT_ID, ORIGIN, REFRESH_TOKEN, newKey, startHarness } from './harness';
import { relayProcess } from './relay-process';
import type { FakeRequest, Harness } from './harness';

const SEED = {
  title: 'New car price list.',
  message: 'Hello I want to buy a new car, how can I get a price list?',
  creator: { name: 'Bill Smith', email: 'bill_smith@gmail.com' },
};
const KEY_FIELD = 42636;
/** Short: after an ambiguous call the relay waits this long again before it looks for the ticket. */
// Without the outbox (outbox.test.ts covers it): what the relay does with an ambiguous key on its own.
const TIMEOUT_ENV = { RELAY_UPSTREAM_TIMEOUT_MS: '400', RELAY_OUTBOX: 'false' };
const WITH_KEY_FIELD = { ...TIMEOUT_ENV, RELAY_SUBMISSION_KEY_FIELD: String(KEY_FIELD) };

const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string } }).error;
const calls = (requests: FakeRequest[], path: string) => requests.filter((request) => request.path === path).length;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('an ambiguous failure, with a submission key field', () => {
  it.each([
    ['a 500 after creating it', { kind: 'error', processed: true }, 502],
    ['no answer after creating it', { kind: 'timeout', processed: true }, 504],
  ])('finds the ticket Socialboards created despite %s, and sends nothing more', async (_name, fault, status) => {
    h = await startHarness(WITH_KEY_FIELD);
    await h.fault({ ...fault, path: '/tickets' });
    const key = newKey();
    expect((await h.post(SEED, { key })).status).toBe(status);
    const retry = await h.post(SEED, { key });
    expect(retry.status).toBe(201);
    const tickets = await h.fakeTickets();
    expect(tickets).toHaveLength(1);
    expect(await retry.json()).toEqual({ ticketId: tickets[0]?.id });
    expect(tickets[0]?.body.customFields).toEqual([{ id: KEY_FIELD, value: key }]);
    const replay = await h.post(SEED, { key });
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    const requests = await h.fakeRequests();
    expect(calls(requests, '/tickets')).toBe(1);
    expect(calls(requests, '/tickets/list')).toBe(1);
  });

  it('finds a ticket Socialboards created after the relay gave up, waiting for it before looking', async () => {
    h = await startHarness(WITH_KEY_FIELD);
    // Created 600 ms after it arrived: after the relay's 400 ms limit, before the retry looks (400 ms after that).
    await h.fault({ kind: 'slow', delayMs: 600, path: '/tickets' });
    const key = newKey();
    expect((await h.post(SEED, { key })).status).toBe(504);
    expect(await h.fakeTickets()).toHaveLength(0);
    const sent = Date.now();
    const retry = await h.post(SEED, { key });
    expect(retry.status).toBe(201);
    // Past the slow ticket's creation for sure, so a second ticket would show.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 700 - (Date.now() - sent))));
    const tickets = await h.fakeTickets();
    expect(tickets).toHaveLength(1);
    expect(await retry.json()).toEqual({ ticketId: tickets[0]?.id });
  });

  it('sends the ticket when Socialboards has none with its key', async () => {
    h = await startHarness(WITH_KEY_FIELD);
    await h.fault({ kind: 'error', path: '/tickets' });
    const key = newKey();
    expect((await h.post(SEED, { key })).status).toBe(502);
    expect((await h.post(SEED, { key })).status).toBe(201);
    expect(await h.fakeTickets()).toHaveLength(1);
    expect(calls(await h.fakeRequests(), '/tickets')).toBe(2);
  });

  it('keeps the key unresolved while the lookup fails, and resolves it on a later retry', async () => {
    h = await startHarness(WITH_KEY_FIELD);
    await h.fault({ kind: 'error', path: '/tickets', processed: true });
    await h.fault({ kind: 'error', path: '/tickets/list' });
    const key = newKey();
    expect((await h.post(SEED, { key })).status).toBe(502);
    const failedLookup = await h.post(SEED, { key });
    expect(failedLookup.status).toBe(502);
    expect(await errorOf(failedLookup)).toMatchObject({ code: 'upstream_unavailable' });
    expect((await h.post(SEED, { key })).status).toBe(201);
    expect(await h.fakeTickets()).toHaveLength(1);
    expect(calls(await h.fakeRequests(), '/tickets')).toBe(1);
  });

  it('lets one of several concurrent retries look, and gives the others its answer', async () => {
    h = await startHarness(WITH_KEY_FIELD);
    await h.fault({ kind: 'error', path: '/tickets', processed: true });
    const key = newKey();
    expect((await h.post(SEED, { key })).status).toBe(502);
    const harness = h;
    const retries = await Promise.all(Array.from({ length: 5 }, () => harness.post(SEED, { key })));
    expect(retries.map((retry) => retry.status)).toEqual(Array(5).fill(201));
    const requests = await h.fakeRequests();
    expect(calls(requests, '/tickets/list')).toBe(1);
    expect(calls(requests, '/tickets')).toBe(1);
  });
});

describe('an ambiguous failure, without a submission key field', () => {
  it.each([
    ['a 500 after creating it', { kind: 'error', processed: true }],
    ['no answer after creating it', { kind: 'timeout', processed: true }],
    ['a 500 that created nothing', { kind: 'error' }],
  ])('holds the key after %s: every retry is answered 409 submission_unresolved and Socialboards hears nothing more', async (_name, fault) => {
    h = await startHarness(TIMEOUT_ENV);
    await h.fault({ ...fault, path: '/tickets' });
    const key = newKey();
    const first = await h.post(SEED, { key });
    expect(first.status).toBeGreaterThanOrEqual(500);
    const ticketsAfterFirst = (await h.fakeTickets()).length;
    for (let retry = 0; retry < 3; retry += 1) {
      const answer = await h.post(SEED, { key });
      expect(answer.status).toBe(409);
      expect(await errorOf(answer)).toMatchObject({ code: 'submission_unresolved' });
    }
    const requests = await h.fakeRequests();
    expect(calls(requests, '/tickets')).toBe(1);
    expect(calls(requests, '/tickets/list')).toBe(0);
    expect(await h.fakeTickets()).toHaveLength(ticketsAfterFirst);
  });
});

describe('a failure that certainly created nothing', () => {
  it('releases the key after Socialboards refuses the ticket (a 4xx), so a retry goes upstream', async () => {
    // The fake has no category 99999: it refuses every ticket with a 400.
    h = await startHarness({ ...WITH_KEY_FIELD, RELAY_CATEGORY_ID: '99999' });
    const key = newKey();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const answer = await h.post(SEED, { key });
      expect(answer.status).toBe(502);
      expect(await errorOf(answer)).toMatchObject({ code: 'upstream_rejected' });
    }
    const requests = await h.fakeRequests();
    expect(calls(requests, '/tickets')).toBe(2);
    expect(calls(requests, '/tickets/list')).toBe(0);
  });

  it('releases the key when the connection was refused before anything was sent, so a retry goes upstream', async () => {
    const closedPort = await freePort();
    h = await startHarness(WITH_KEY_FIELD);
    // Tokens from the fake, tickets to a port where nothing listens.
    const via = await h.startRelay({ SOCIALBOARDS_API_URL: `http://127.0.0.1:${closedPort}`, SOCIALBOARDS_TOKEN_URL: `${h.fake.url}/token` });
    const key = newKey();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const answer = await h.post(SEED, { key, via });
      expect(answer.status).toBe(502);
      expect(await errorOf(answer)).toMatchObject({ code: 'upstream_unavailable' });
    }
    const refusals = h.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'socialboards create ticket failed');
    expect(refusals).toHaveLength(2);
    expect(h.logLines.join('\n')).not.toContain('may have created');
  });
});

describe('several relays on one SQLite file', () => {
  it('makes one ticket of one key sent to two relays at once, and then to each again', async () => {
    h = await startHarness(TIMEOUT_ENV);
    const second = await h.startRelay();
    await h.fault({ kind: 'slow', delayMs: 200, path: '/tickets' });
    const key = newKey();
    const [a, b] = await Promise.all([h.post(SEED, { key }), h.post(SEED, { key, via: second })]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const ids = [await a.json(), await b.json()];
    expect(ids[1]).toEqual(ids[0]);
    for (const via of [h.relay, second]) {
      const again = await h.post(SEED, { key, via });
      expect(again.headers.get('Idempotent-Replayed')).toBe('true');
      expect(await again.json()).toEqual(ids[0]);
    }
    expect(await h.fakeTickets()).toHaveLength(1);
  });

  it('replays after a restart instead of creating the ticket again, and keeps an unresolved key unresolved', async () => {
    h = await startHarness(TIMEOUT_ENV);
    const key = newKey();
    const created = await h.post(SEED, { key });
    expect(created.status).toBe(201);
    await h.fault({ kind: 'error', path: '/tickets', processed: true });
    const unresolvedKey = newKey();
    expect((await h.post({ ...SEED, title: 'Maybe created' }, { key: unresolvedKey })).status).toBe(502);
    await h.relay.close();

    const restarted = await h.startRelay();
    const retry = await h.post(SEED, { key, via: restarted });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await retry.json()).toEqual(await created.json());
    expect((await h.post({ ...SEED, title: 'Another body' }, { key, via: restarted })).status).toBe(422);
    expect((await h.post({ ...SEED, title: 'Maybe created' }, { key: unresolvedKey, via: restarted })).status).toBe(409);
    expect(await h.fakeTickets()).toHaveLength(2);
  });
});

describe('several relays on one Redis', () => {
  const redis = useRedis();

  it('makes one ticket of one key sent to two relays at once, and then to each again', async () => {
    h = await startHarness({ ...TIMEOUT_ENV, REDIS_URL: redis().url });
    const second = await h.startRelay();
    await h.fault({ kind: 'slow', delayMs: 200, path: '/tickets' });
    const key = newKey();
    const [a, b] = await Promise.all([h.post(SEED, { key }), h.post(SEED, { key, via: second })]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const first = await a.json();
    expect(await b.json()).toEqual(first);
    for (const via of [h.relay, second]) expect(await (await h.post(SEED, { key, via })).json()).toEqual(first);
    expect(await h.fakeTickets()).toHaveLength(1);
    expect(await redis().client.keys('sbrelay:idempotency:key:*')).toEqual([`sbrelay:idempotency:key:${key}`]);
    // Nothing in the SQLite file: with REDIS_URL the keys live in Redis only.
    expect(await h.fakeRequests().then((requests) => calls(requests, '/tickets'))).toBe(1);
  });

  it('replays after every relay restarted', async () => {
    h = await startHarness({ ...TIMEOUT_ENV, REDIS_URL: redis().url });
    const key = newKey();
    const created = await h.post(SEED, { key });
    await h.relay.close();
    const restarted = await h.startRelay();
    const retry = await h.post(SEED, { key, via: restarted });
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await retry.json()).toEqual(await created.json());
    expect(await h.fakeTickets()).toHaveLength(1);
  });
});

describe('a relay killed with SIGKILL in the middle of a ticket', () => {
  it.each([
    ['with a submission key field, the next relay finds the ticket', true],
    ['without one, the next relay holds the key unresolved', false],
  ])('never creates the ticket twice: %s', async (_name, withField) => {
    const env = { ...(withField ? WITH_KEY_FIELD : TIMEOUT_ENV), RELAY_IDEMPOTENCY_LEASE_SECONDS: '1' };
    h = await startHarness(env);
    const doomed = await relayProcess({
      SOCIALBOARDS_CLIENT_ID: CLIENT_ID,
      SOCIALBOARDS_REFRESH_TOKEN: REFRESH_TOKEN,
      SOCIALBOARDS_API_URL: h.fake.url,
      RELAY_ALLOWED_ORIGINS: ORIGIN,
      RELAY_PORT: '0',
      RELAY_LOG: 'silent',
      RELAY_ATTACHMENTS: 'off',
      RELAY_STORE_PATH: join(h.dataDir, 'relay.db'),
      ...env,
      // It must still be waiting for Socialboards when it is killed.
      RELAY_UPSTREAM_TIMEOUT_MS: '30000',
    });
    // Socialboards creates the ticket, and the relay dies waiting for the answer.
    await h.fault({ kind: 'timeout', path: '/tickets', processed: true });
    const key = newKey();
    const lost = fetch(`${doomed.url}/tickets`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key, Origin: ORIGIN },
      body: JSON.stringify(SEED),
    }).catch(() => 'connection lost');
    for (let waited = 0; (await h.fakeTickets()).length === 0 && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    await doomed.kill();
    expect(await lost).toBe('connection lost');

    const retry = await h.post(SEED, { key });
    const tickets = await h.fakeTickets();
    expect(tickets).toHaveLength(1);
    if (withField) {
      expect(retry.status).toBe(201);
      expect(await retry.json()).toEqual({ ticketId: tickets[0]?.id });
    } else {
      expect(retry.status).toBe(409);
      expect(await errorOf(retry)).toMatchObject({ code: 'submission_unresolved' });
    }
    expect(calls(await h.fakeRequests(), '/tickets')).toBe(1);
  }, 40_000);
});

/** A port nothing listens on. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
