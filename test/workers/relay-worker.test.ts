/**
 * The relay on Cloudflare Workers, in the real runtime: src/relay/workers.ts bundled and run by
 * workerd through miniflare, with its idempotency keys in Durable Objects, against the fake
 * Socialboards on 127.0.0.1.
 */
import { createServer } from 'node:net';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { FormData, Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_LIMITS } from '../../src/dev/stack';
import { startFakeSocialboards } from '../../src/fake-socialboards/server';
import { keyOf } from '../../src/relay/attachments/reference';
import { findLeaks, secretsOfEnv } from '../support/leak-scan';
import { PNG } from '../relay/attachments/documents';
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
let publicUrl: string;
/** Everything workerd printed: the relay's log lines. */
const output: string[] = [];

beforeAll(async () => {
  fake = await startFakeSocialboards({ clientId: CLIENT_ID, refreshToken: REFRESH_TOKEN, port: 0 });
  bundle = await bundleWorker();
  // The fake fetches attachment links as Socialboards may: the Worker listens on a loopback port it can reach.
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  bindings = {
    ...DEMO_LIMITS,
    SOCIALBOARDS_CLIENT_ID: CLIENT_ID,
    SOCIALBOARDS_REFRESH_TOKEN: REFRESH_TOKEN,
    SOCIALBOARDS_API_URL: fake.url,
    RELAY_ALLOWED_ORIGINS: ORIGIN,
    // Low enough for the refusal test; every other test is a client of its own.
    RELAY_RATE_LIMIT_TICKETS: '3/1m',
    RELAY_PUBLIC_URL: publicUrl,
    // The outbox's first retry a fraction of a second after the failure, so the test need not wait long.
    RELAY_OUTBOX_BACKOFF_BASE_MS: '300',
    RELAY_OUTBOX_BACKOFF_MAX_MS: '1000',
    // After a 500 the ticket may exist: the outbox waits this long (as it waits for Socialboards) before trying again.
    RELAY_UPSTREAM_TIMEOUT_MS: '2000',
  };
  worker = new Miniflare({
    // Listed rather than `script`: miniflare would otherwise refuse the bundle's dynamic import() (file-type's optional plugins).
    modules: [{ type: 'ESModule', path: 'relay-worker.mjs', contents: bundle.script }],
    ...COMPATIBILITY,
    bindings,
    host: '127.0.0.1',
    port,
    r2Buckets: ['ATTACHMENTS'],
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      for (const stream of [stdout, stderr]) stream.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    },
    durableObjects: {
      IDEMPOTENCY: { className: 'IdempotencyShard', useSQLite: true },
      RATE_LIMITS: { className: 'RateLimitShard', useSQLite: true },
      OUTBOX: { className: 'OutboxShard', useSQLite: true },
    },
  });
  await worker.ready;
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
  await fake?.close();
});

/** `POST /attachments` of one file, as a browser's FormData sends it (miniflare's FormData: its fetch takes no other). */
function upload(bytes: Uint8Array<ArrayBuffer>, name: string, client: string) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'image/png' }), name);
  return worker.dispatchFetch('http://relay.example/attachments', { method: 'POST', headers: { Origin: ORIGIN, 'CF-Connecting-IP': client }, body: form });
}

/** The Worker's R2 bucket, as the test reads it (miniflare types it loosely without @cloudflare/workers-types). */
interface TestBucket {
  put(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer>; json(): Promise<unknown> } | null>;
  list(): Promise<{ objects: { key: string }[] }>;
}
const attachmentsBucket = async () => (await worker.getR2Bucket('ATTACHMENTS')) as unknown as TestBucket;

/** A TCP port nobody listens on now, for the Worker's own. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Posts a ticket as the visitor at `client` (the address Cloudflare would put in CF-Connecting-IP). */
const post = (body: unknown, key: string, client = '203.0.113.1') =>
  worker.dispatchFetch('http://relay.example/tickets', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: ORIGIN, 'Idempotency-Key': key, 'CF-Connecting-IP': client },
    body: JSON.stringify(body),
  });

interface FakeTicket {
  id: number;
  body: Record<string, unknown>;
  attachmentsFetched?: { url: string; status: number | null; size: number | null; sha256: string | null }[];
}
const fakeTickets = async () => ((await (await fetch(`${fake.url}/__fake/tickets`)).json()) as { tickets: FakeTicket[] }).tickets;
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

  it('takes an upload into R2, links it in a ticket, and serves it to Socialboards byte for byte', async () => {
    const uploaded = await upload(new Uint8Array(PNG), 'mirror.png', '203.0.113.20');
    expect(uploaded.status).toBe(201);
    const file = (await uploaded.json()) as { id: string; name: string; size: number; type: string };
    expect(file).toMatchObject({ name: 'mirror.png', size: PNG.length, type: 'image/png' });
    const key = keyOf(file.id);
    const bucket = await attachmentsBucket();
    const stored = await bucket.get(`attachments/${key}`);
    expect(stored && Buffer.from(await stored.arrayBuffer())).toEqual(PNG);

    const response = await post({ ...TICKET, title: 'With a photo', attachments: [file.id] }, 'workers-attachment-ticket-0001', '203.0.113.20');
    expect(response.status).toBe(201);
    const ticket = (await fakeTickets()).find((each) => each.body.title === 'With a photo');
    const url = `${publicUrl}/files/${key}/mirror.png`;
    expect(ticket?.body.attachments).toEqual([{ url, name: 'mirror.png' }]);
    expect(ticket?.attachmentsFetched?.map(({ status, size, sha256 }) => ({ status, size, sha256 }))).toEqual([
      { status: 200, size: PNG.length, sha256: createHash('sha256').update(PNG).digest('hex') },
    ]);
    // The reference, the capability, never reaches Socialboards.
    expect(JSON.stringify(ticket)).not.toContain(file.id);
    // The file is attached now: its metadata in R2 says so.
    const meta = (await (await bucket.get(`attachments/${key}.json`))?.json()) as { attachedAt?: number } | undefined;
    expect(meta?.attachedAt).toBeGreaterThan(0);
    const served = await fetch(url);
    expect(served.headers.get('content-disposition')).toContain('filename="mirror.png"');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(PNG);
  });

  it('refuses an upload it does not accept, and keeps nothing of it in R2', async () => {
    const before = (await (await attachmentsBucket()).list()).objects.length;
    const refused = await upload(new TextEncoder().encode('MZ\x90\x00 not a picture'), 'photo.png', '203.0.113.21');
    expect(refused.status).toBe(415);
    expect((await (await attachmentsBucket()).list()).objects.length).toBe(before);
  });

  it('sweeps R2 on its Cron Trigger: an upload no ticket took in time goes, a fresh one stays', async () => {
    const bucket = await attachmentsBucket();
    // An upload from long ago that no ticket took (its metadata says when it came).
    const stale = 'ab'.repeat(16);
    await bucket.put(`attachments/${stale}`, 'forgotten');
    await bucket.put(`attachments/${stale}.json`, JSON.stringify({ name: 'old.txt', size: 9, type: 'text/plain', createdAt: 0 }));
    const fresh = await upload(new Uint8Array(PNG), 'fresh.png', '203.0.113.22');
    expect(fresh.status).toBe(201);
    const freshKey = keyOf(((await fresh.json()) as { id: string }).id);

    // What a Cron Trigger does (miniflare types its Fetcher loosely without @cloudflare/workers-types).
    const entry = (await worker.getWorker()) as unknown as { scheduled(options: { cron: string }): Promise<{ outcome: string }> };
    expect((await entry.scheduled({ cron: '*/30 * * * *' })).outcome).toBe('ok');

    expect(await bucket.get(`attachments/${stale}`)).toBeNull();
    expect(await bucket.get(`attachments/${stale}.json`)).toBeNull();
    expect(await bucket.get(`attachments/${freshKey}`)).not.toBeNull();
    expect(await bucket.get(`attachments/${freshKey}.json`)).not.toBeNull();
    expect(output.join('')).toMatch(/"msg":"attachments swept","time":"[^"]+","deleted":1\}/);
  });

  it('accepts a ticket Socialboards cannot take now (202), and its outbox alarm sends it later, exactly once', async () => {
    const before = await ticketCalls();
    await fetch(`${fake.url}/__fake/faults`, { method: 'POST', body: JSON.stringify({ kind: 'error', path: '/tickets', count: 1 }) });
    const body = { ...TICKET, title: 'Sent while Socialboards was down' };
    const queued = await post(body, 'workers-outbox-ticket-0001', '203.0.113.30');
    expect(queued.status).toBe(202);
    const { reference } = (await queued.json()) as { reference: string };
    expect(reference).toMatch(/^Q-/);

    // No request carries it: the shard's alarm delivers it after the backoff.
    const deadline = Date.now() + 10_000;
    let delivered: FakeTicket[] = [];
    while (delivered.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      delivered = (await fakeTickets()).filter((ticket) => ticket.body.title === body.title);
    }
    expect(delivered).toHaveLength(1);
    // The visitor's retry of the same key now gets the ticket, not a second one.
    const replay = await post(body, 'workers-outbox-ticket-0001', '203.0.113.30');
    expect(replay.status).toBe(201);
    expect(await replay.json()).toEqual({ ticketId: delivered[0]?.id });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await fakeTickets()).filter((ticket) => ticket.body.title === body.title)).toHaveLength(1);
    expect(await ticketCalls()).toBe(before + 2);
    expect(output.join('')).toContain('outbox delivered a queued ticket');
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
