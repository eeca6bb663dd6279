/**
 * The relay on Cloudflare Workers, in the real runtime: src/relay/workers.ts bundled and run by
 * workerd through miniflare, with its idempotency keys in Durable Objects, against the fake
 * Socialboards on 127.0.0.1.
 */
import type { Readable } from 'node:stream';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_LIMITS } from '../../src/dev/stack';
import { startFakeSocialboards } from '../../src/fake-socialboards/server';
import { findLeaks, secretsOfEnv } from '../support/leak-scan';
import type { RunningFakeSocialboards } from '../../src/fake-socialboards/server';
import { COMPATIBILITY, bundleWorker } from './worker-bundle';
import type { WorkerBundle } from './worker-bundle';

const CLIENT_ID = 'workers-client';
const REFRESH_TOKEN = 'workers-refresh-SECRET-8c1d';
const ORIGIN = 'https://shop.example';
const TICKET = { title: 'Broken mirror', message: 'It arrived cracked.', creator: { email: 'ann@example.com' } };

let fake: RunningFakeSocialboards;
let bundle: WorkerBundle;
let worker: Miniflare;
let bindings: Record<string, string>;
/** Everything workerd printed: the relay's log lines. */
const output: string[] = [];

beforeAll(async () => {
  fake = await startFakeSocialboards({ clientId: CLIENT_ID, refreshToken: REFRESH_TOKEN, port: 0 });
  bundle = await bundleWorker();
  bindings = {
    ...DEMO_LIMITS,
    SOCIALBOARDS_CLIENT_ID: CLIENT_ID,
    SOCIALBOARDS_REFRESH_TOKEN: REFRESH_TOKEN,
    SOCIALBOARDS_API_URL: fake.url,
    RELAY_ALLOWED_ORIGINS: ORIGIN,
    // Low enough for the refusal test; every other test is a client of its own.
    RELAY_RATE_LIMIT_TICKETS: '3/1m',
  };
  worker = new Miniflare({
    // Listed rather than `script`: miniflare would otherwise refuse the bundle's dynamic import() (file-type's optional plugins).
    modules: [{ type: 'ESModule', path: 'relay-worker.mjs', contents: bundle.script }],
    ...COMPATIBILITY,
    bindings,
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      for (const stream of [stdout, stderr]) stream.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    },
    durableObjects: {
      IDEMPOTENCY: { className: 'IdempotencyShard', useSQLite: true },
      RATE_LIMITS: { className: 'RateLimitShard', useSQLite: true },
    },
  });
  await worker.ready;
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
  await fake?.close();
});

/** Posts a ticket as the visitor at `client` (the address Cloudflare would put in CF-Connecting-IP). */
const post = (body: unknown, key: string, client = '203.0.113.1') =>
  worker.dispatchFetch('http://relay.example/tickets', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: ORIGIN, 'Idempotency-Key': key, 'CF-Connecting-IP': client },
    body: JSON.stringify(body),
  });

const fakeTickets = async () =>
  ((await (await fetch(`${fake.url}/__fake/tickets`)).json()) as { tickets: { id: number; body: Record<string, unknown> }[] }).tickets;
const ticketCalls = async () =>
  ((await (await fetch(`${fake.url}/__fake/requests`)).json()) as { requests: { method: string; path: string }[] }).requests.filter(
    (request) => request.method === 'POST' && request.path === '/tickets',
  ).length;

describe('the relay on Cloudflare Workers (workerd through miniflare)', () => {
  it('bundles without the Node-only packages: no SQLite, Redis, BullMQ or Node server', () => {
    const packages = bundle.inputs.filter((input) => /node_modules\/(better-sqlite3|ioredis|bullmq|@hono\/node-server)\//.test(input));
    expect(packages).toEqual([]);
    expect(bundle.inputs.filter((input) => /src\/relay\/(server|stores\/(sqlite|redis)|outbox\/(bullmq|sqlite))/.test(input))).toEqual([]);
    // What is left to the runtime is Node's built-ins that workerd's nodejs_compat provides.
    expect(bundle.runtimeModules.filter((name) => !name.startsWith('node:'))).toEqual([]);
  });

  it('creates a ticket: one Create Ticket call upstream', async () => {
    const response = await post(TICKET, 'workers-first-ticket-0001');
    expect(response.status).toBe(201);
    const tickets = await fakeTickets();
    expect(tickets.map((ticket) => ticket.body.title)).toEqual([TICKET.title]);
    expect(await response.json()).toEqual({ ticketId: tickets[0]?.id });
    expect(await ticketCalls()).toBe(1);
  });

  it('answers a replayed Idempotency-Key from its Durable Object with the same answer, and sends no second ticket', async () => {
    const first = await post({ ...TICKET, title: 'Second' }, 'workers-second-ticket-0002');
    expect(first.status).toBe(201);
    const firstBody = await first.text();
    const replay = await post({ ...TICKET, title: 'Second' }, 'workers-second-ticket-0002');
    expect(replay.status).toBe(201);
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await replay.text()).toBe(firstBody);
    expect(await ticketCalls()).toBe(2);
    expect((await fakeTickets()).filter((ticket) => ticket.body.title === 'Second')).toHaveLength(1);
  });

  it('refuses the same key for a different ticket (422), still without a call upstream', async () => {
    const response = await post({ ...TICKET, title: 'Something else' }, 'workers-second-ticket-0002');
    expect(response.status).toBe(422);
    expect(await ticketCalls()).toBe(2);
  });

  it('refuses a client over its ticket limit (429, Retry-After) with counters in a Durable Object, and sends nothing upstream', async () => {
    const before = await ticketCalls();
    for (const n of [1, 2, 3]) expect((await post({ ...TICKET, title: `Limited ${n}` }, `workers-limited-ticket-000${n}`, '203.0.113.9')).status).toBe(201);
    const refused = await post({ ...TICKET, title: 'Limited 4' }, 'workers-limited-ticket-0004', '203.0.113.9');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('Retry-After'))).toBeLessThanOrEqual(60);
    expect(await ticketCalls()).toBe(before + 3);
    // Another visitor still gets through.
    expect((await post({ ...TICKET, title: 'Other visitor' }, 'workers-other-visitor-0001', '203.0.113.10')).status).toBe(201);
  });

  it('writes its log lines, and no credential or access token in them', async () => {
    const text = output.join('');
    expect(text).toContain('"path":"/tickets","status":201');
    const tokens = [...fake.state.liveTokens];
    expect(tokens).not.toEqual([]);
    const secrets = { ...secretsOfEnv(bindings), ...Object.fromEntries(tokens.map((token, i) => [`access token ${i + 1}`, token])) };
    expect(findLeaks([{ where: 'worker output', text }], secrets)).toEqual([]);
  });
});
