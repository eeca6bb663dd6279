import { describe, expect, it } from 'vitest';
import { createRelayApp } from '../../../src/relay/app';
import { buildRelayOn } from '../../../src/relay/build-relay';
import type { RelayDeps } from '../../../src/relay/app';
import { createReplayStore } from '../../../src/relay/spam/replay-store';
import { useRedis } from '../../support/use-redis';
import { ORIGIN, captureLogs, envelope, gate, memoryStore, refused as refusedConnection, scriptedSocialboards, testConfig } from '../helpers';

const TICKET = { title: 'Price list', message: 'How much is it?', creator: { email: 'ann@example.com' } };
let counter = 0;
const newKey = () => `limit-key-${String((counter += 1)).padStart(8, '0')}`;

/** A relay whose socket address is whatever each request says it is (the third argument of app.request). */
function setup(env: Record<string, string>, deps: Partial<RelayDeps> = {}, upstream = scriptedSocialboards()) {
  const logs = captureLogs();
  const app = createRelayApp(testConfig(env), {
    fetch: upstream.fetch,
    log: logs.log,
    socketAddress: (c) => (c.env as { remote?: string } | undefined)?.remote,
    idempotencyStore: memoryStore(),
    ...deps,
  });
  const post = ({ from = '203.0.113.7', key = newKey(), origin = ORIGIN as string | null, headers = {} as Record<string, string> } = {}) =>
    app.request(
      '/tickets',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key, ...(origin === null ? {} : { Origin: origin }), ...headers },
        body: JSON.stringify(TICKET),
      },
      { remote: from },
    );
  const getForm = (from = '203.0.113.7') => app.request('/form', { headers: { Origin: ORIGIN } }, { remote: from });
  return { app, post, getForm, logs, upstream };
}

const codeOf = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

describe('ticket limits', () => {
  it('refuses the third new ticket from one address with 429 rate_limited and a truthful Retry-After, while another address still sends', async () => {
    const { post, upstream } = setup({ RELAY_RATE_LIMIT_TICKETS: '2/1m' });
    expect((await post()).status).toBe(201);
    expect((await post()).status).toBe(201);
    const refused = await post();
    expect(refused.status).toBe(429);
    expect(await codeOf(refused)).toBe('rate_limited');
    const retryAfter = Number(refused.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await post({ from: '198.51.100.20' })).status).toBe(201);
    expect(upstream.ticketCalls()).toHaveLength(3);
  });

  it('counts a submission once: retries after a failure and replays after success are free', async () => {
    // A failure that certainly created nothing: the key is freed, and the retry goes upstream.
    const upstream = scriptedSocialboards({ tickets: [refusedConnection, () => envelope(77)] });
    const { post } = setup({ RELAY_RATE_LIMIT_TICKETS: '1/1m' }, {}, upstream);
    const key = newKey();
    expect((await post({ key })).status).toBe(502);
    expect((await post({ key })).status).toBe(201);
    const replay = await post({ key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    expect((await post()).status).toBe(429);
  });

  it('caps tickets per origin across many addresses, and scripts without an Origin share one allowance', async () => {
    const { post } = setup({ RELAY_RATE_LIMIT_TICKETS_PER_ORIGIN: '2/1m' });
    expect((await post({ from: '198.51.100.1' })).status).toBe(201);
    expect((await post({ from: '198.51.100.2' })).status).toBe(201);
    expect((await post({ from: '198.51.100.3' })).status).toBe(429);
    expect((await post({ from: '198.51.100.4', origin: null })).status).toBe(201);
    expect((await post({ from: '198.51.100.5', origin: null })).status).toBe(201);
    expect((await post({ from: '198.51.100.6', origin: null })).status).toBe(429);
  });

  it('ignores X-Forwarded-For unless proxies are trusted, so a forged header escapes nothing', async () => {
    const untrusted = setup({ RELAY_RATE_LIMIT_TICKETS: '1/1m' });
    expect((await untrusted.post({ headers: { 'X-Forwarded-For': '1.1.1.1' } })).status).toBe(201);
    expect((await untrusted.post({ headers: { 'X-Forwarded-For': '2.2.2.2' } })).status).toBe(429);

    const proxied = setup({ RELAY_RATE_LIMIT_TICKETS: '1/1m', RELAY_TRUSTED_PROXIES: '1' });
    // Behind one proxy (10.0.0.2): the client is the hop it appended, whatever the client wrote before it.
    const from = '10.0.0.2';
    expect((await proxied.post({ from, headers: { 'X-Forwarded-For': '6.6.6.6, 198.51.100.9' } })).status).toBe(201);
    expect((await proxied.post({ from, headers: { 'X-Forwarded-For': '7.7.7.7, 198.51.100.9' } })).status).toBe(429);
    expect((await proxied.post({ from, headers: { 'X-Forwarded-For': '198.51.100.10' } })).status).toBe(201);
  });

  it('counts IPv6 clients by their /64', async () => {
    const { post } = setup({ RELAY_RATE_LIMIT_TICKETS: '1/1m' });
    expect((await post({ from: '2001:db8:1:2::a' })).status).toBe(201);
    expect((await post({ from: '2001:db8:1:2::b' })).status).toBe(429);
    expect((await post({ from: '2001:db8:1:3::a' })).status).toBe(201);
  });
});

describe('request, form and upload limits', () => {
  it('limits every request of a client, invalid ones included', async () => {
    const { app } = setup({ RELAY_RATE_LIMIT_REQUESTS: '3/1m' });
    const bad = () => app.request('/tickets', { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: ORIGIN }, body: '{' }, { remote: '203.0.113.7' });
    for (let i = 0; i < 3; i += 1) expect((await bad()).status).toBe(400);
    expect((await bad()).status).toBe(429);
  });

  it('counts refused origins and unknown paths against the client too, and file downloads apart', async () => {
    const { app } = setup({ RELAY_RATE_LIMIT_REQUESTS: '2/1m', RELAY_RATE_LIMIT_FILES: '3/1m' });
    const from = { remote: '203.0.113.7' };
    expect((await app.request('/tickets', { method: 'POST', headers: { Origin: 'https://evil.example' } }, from)).status).toBe(403);
    expect((await app.request('/nothing-here', {}, from)).status).toBe(404);
    expect((await app.request('/form', { headers: { Origin: ORIGIN } }, from)).status).toBe(429);
    for (let i = 0; i < 3; i += 1) expect((await app.request('/files/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/x.png', {}, from)).status).toBe(404);
    expect((await app.request('/files/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/x.png', {}, from)).status).toBe(429);
    expect((await app.request('/healthz', {}, from)).status).toBe(200);
  });

  it('limits GET /form per client and per origin', async () => {
    const perClient = setup({ RELAY_RATE_LIMIT_FORM: '2/1m' });
    expect((await perClient.getForm()).status).toBe(200);
    expect((await perClient.getForm()).status).toBe(200);
    expect((await perClient.getForm()).status).toBe(429);
    expect((await perClient.getForm('198.51.100.1')).status).toBe(200);

    const perOrigin = setup({ RELAY_RATE_LIMIT_FORM_PER_ORIGIN: '1/1m' });
    expect((await perOrigin.getForm('198.51.100.1')).status).toBe(200);
    expect((await perOrigin.getForm('198.51.100.2')).status).toBe(429);
  });

  it('limits uploads per client', async () => {
    const { app } = setup({ RELAY_RATE_LIMIT_UPLOADS: '1/1m', RELAY_ATTACHMENTS_DIR: '/nonexistent/never-written' });
    const upload = () => {
      const form = new FormData();
      form.append('file', new Blob(['hello'], { type: 'text/plain' }), 'a.txt');
      return app.request('/attachments', { method: 'POST', body: form, headers: { Origin: ORIGIN } }, { remote: '203.0.113.7' });
    };
    // The first is admitted (and fails at the missing folder); the second never gets that far.
    expect((await upload()).status).not.toBe(429);
    const refused = await upload();
    expect(refused.status).toBe(429);
    expect(await codeOf(refused)).toBe('rate_limited');
  });

  it('logs the client as a keyed hash, never the address', async () => {
    const { post, logs } = setup({ RELAY_LOG_CLIENT_KEY: 'log-key-0123456789abcdef' });
    await post({ from: '203.0.113.7' });
    const line = logs.records().find((record) => record.msg === 'request');
    expect(line?.client).toMatch(/^[\da-f]{16}$/);
    expect(logs.lines.join('\n')).not.toContain('203.0.113.7');
  });
});

describe('requests in flight per client', () => {
  it('refuses a client past its cap with 429 while its requests are open, and not after', async () => {
    const slow = gate();
    const upstream = scriptedSocialboards({ tickets: [slow.responder] });
    const { post } = setup({ RELAY_MAX_REQUESTS_PER_CLIENT: '1' }, {}, upstream);
    const first = post();
    await slow.reached;
    const second = await post();
    expect(second.status).toBe(429);
    expect(second.headers.get('Retry-After')).toBe('2');
    expect((await post({ from: '198.51.100.1' })).status).toBe(201);
    slow.open(envelope(5));
    expect((await first).status).toBe(201);
    expect((await post()).status).toBe(201);
  });
});

describe('tickets worked on at once (RELAY_TICKET_CONCURRENCY)', () => {
  it('lets a ticket past the bound wait its turn, and answers a malformed one at once', async () => {
    const slow = gate();
    const upstream = scriptedSocialboards({ tickets: [slow.responder, () => envelope(8)] });
    const { app, post } = setup({ RELAY_TICKET_CONCURRENCY: '1', RELAY_TICKET_QUEUE_MS: '5000' }, {}, upstream);
    const first = post();
    await slow.reached;
    const second = post({ from: '198.51.100.1' });
    // The body's checks come before the line: a bad request never waits for a place.
    const malformed = await app.request(
      '/tickets',
      { method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': newKey(), Origin: ORIGIN }, body: '{"title": 1}' },
      { remote: '198.51.100.2' },
    );
    expect(malformed.status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(upstream.ticketCalls()).toHaveLength(1);
    slow.open(envelope(7));
    expect((await first).status).toBe(201);
    const created = await second;
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ ticketId: 8 });
    expect(upstream.ticketCalls()).toHaveLength(2);
  });

  it('turns a ticket away with 503 upstream_busy once its wait runs out, sending nothing and keeping its key free', async () => {
    const slow = gate();
    const upstream = scriptedSocialboards({ tickets: [slow.responder, () => envelope(9)] });
    const store = memoryStore();
    const { post } = setup({ RELAY_TICKET_CONCURRENCY: '1', RELAY_TICKET_QUEUE_MS: '100' }, { idempotencyStore: store }, upstream);
    const first = post();
    await slow.reached;
    const key = newKey();
    const busy = await post({ key, from: '198.51.100.1' });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('Retry-After')).toBe('2');
    expect(await codeOf(busy)).toBe('upstream_busy');
    expect(upstream.ticketCalls()).toHaveLength(1);
    // It waited before its key was reserved: the store has never seen it.
    expect(await store.lookup(key)).toBeUndefined();
    slow.open(envelope(7));
    expect((await first).status).toBe(201);
    // Nothing was reserved for it: the widget's retry with the same key creates the ticket.
    const retried = await post({ key, from: '198.51.100.1' });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('Idempotent-Replayed')).toBeNull();
  });
});

describe('open-request counts where a request can be cancelled (Workers)', () => {
  it('keeps neither the per-client cap nor the ticket bound when the platform counts no open requests', async () => {
    const slow = gate();
    const upstream = scriptedSocialboards({ tickets: [slow.responder, () => envelope(8)] });
    const config = testConfig({ RELAY_TICKET_CONCURRENCY: '1', RELAY_TICKET_QUEUE_MS: '0', RELAY_MAX_REQUESTS_PER_CLIENT: '1', RELAY_OUTBOX: 'false' });
    const { app } = buildRelayOn(
      { idempotencyStore: () => memoryStore(), outbox: () => undefined, attachmentStorage: () => undefined, upstreamFetch: () => upstream.fetch, countsOpenRequests: false },
      config,
      { log: captureLogs().log, socketAddress: () => '203.0.113.7' },
    );
    const post = () =>
      app.request('/tickets', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': newKey(), Origin: ORIGIN },
        body: JSON.stringify(TICKET),
      });
    const first = post();
    await slow.reached;
    // On Node both caps would refuse this one at once (429, then 503); here it goes through.
    const second = await post();
    expect(second.status).toBe(201);
    slow.open(envelope(7));
    expect((await first).status).toBe(201);
  });
});

describe('limits shared through Redis', () => {
  const redis = useRedis();

  it('counts one client across two relay instances', async () => {
    const { Redis } = await import('ioredis');
    const connections = [new Redis(redis().url), new Redis(redis().url)];
    try {
      // Until a connection is ready the limiters count in memory (tested below).
      await Promise.all(connections.map((connection) => connection.ping()));
      const env = { RELAY_RATE_LIMIT_TICKETS: '2/1m', REDIS_URL: redis().url };
      const a = setup(env, { redis: connections[0] });
      const b = setup(env, { redis: connections[1] });
      expect((await a.post()).status).toBe(201);
      expect((await b.post()).status).toBe(201);
      expect((await a.post()).status).toBe(429);
      expect((await b.post()).status).toBe(429);
      expect(await redis().client.keys('sbrelay:tickets:*')).not.toHaveLength(0);
    } finally {
      for (const connection of connections) connection.disconnect();
    }
  });

  it('refuses a challenge token at one instance that another already used', async () => {
    const { Redis } = await import('ioredis');
    const connections = [new Redis(redis().url), new Redis(redis().url)];
    try {
      await Promise.all(connections.map((connection) => connection.ping()));
      const [a, b] = connections.map((connection) => createReplayStore({ redis: connection }));
      expect(await a?.claim('token-shared-by-two-instances', 'key-1', 300)).toBe(true);
      expect(await b?.claim('token-shared-by-two-instances', 'key-2', 300)).toBe(false);
      // The submission that holds it may present it again at any instance (a retry).
      expect(await b?.claim('token-shared-by-two-instances', 'key-1', 300)).toBe(true);
      expect(await b?.heldBy('token-shared-by-two-instances', 'key-1')).toBe(true);
      // Redis holds the token's hash only, never the token, and forgets it when the token would expire.
      const [key] = await redis().client.keys('sbrelay:challenge-used*');
      expect(key).not.toContain('token-shared');
      expect(await redis().client.pttl(key ?? '')).toBeGreaterThan(290_000);
    } finally {
      for (const connection of connections) connection.disconnect();
    }
  });

  it('keeps limiting in memory while Redis is unreachable', async () => {
    const { Redis } = await import('ioredis');
    const down = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
    down.on('error', () => {});
    try {
      const { post } = setup({ RELAY_RATE_LIMIT_TICKETS: '1/1m' }, { redis: down });
      expect((await post()).status).toBe(201);
      expect((await post()).status).toBe(429);
    } finally {
      down.disconnect();
    }
  });
});

describe('one address against its site', () => {
  it('cannot use up the origin’s allowance by knocking on after its own limit refused it', async () => {
    const { post } = setup({ RELAY_RATE_LIMIT_TICKETS: '5/10m', RELAY_RATE_LIMIT_TICKETS_PER_ORIGIN: '10/10m' });
    const attacker = await Promise.all(Array.from({ length: 50 }, () => post({ from: '203.0.113.66' })));
    expect(attacker.filter((response) => response.status === 201)).toHaveLength(5);
    // The site still has 5 of its 10.
    for (let i = 1; i <= 5; i += 1) expect((await post({ from: `198.51.100.${i}` })).status).toBe(201);
    expect((await post({ from: '198.51.100.6' })).status).toBe(429);
  });
});
