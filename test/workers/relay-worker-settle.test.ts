/**
 * The Worker's Cron Trigger settles Idempotency-Keys left unresolved with no outbox entry (a
 * request that died after sending, its ticket not staged), as a Node relay's outbox worker does on
 * a timer: with RELAY_SUBMISSION_KEY_FIELD it finds the ticket Socialboards created and gives the
 * key its 201. In workerd (miniflare), against the fake Socialboards on 127.0.0.1.
 */
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateTicketBody } from '../../src/shared/create-ticket';
import { startFakeSocialboards } from '../../src/fake-socialboards/server';
import type { RunningFakeSocialboards } from '../../src/fake-socialboards/server';
import { createLogger } from '../../src/relay/log';
import { createDurableIdempotencyStore } from '../../src/relay/stores/durable-idempotency-store';
import type { DurableObjectNamespaceLike } from '../../src/relay/stores/durable-idempotency-store';
import type { IdempotencyStore } from '../../src/relay/stores/idempotency-store';
import { createSocialboardsClient } from '../../src/relay/upstream/socialboards-client';
import { COMPATIBILITY, bundleWorker } from './worker-bundle';

const CLIENT_ID = 'workers-settle-client';
const REFRESH_TOKEN = 'workers-settle-refresh-SECRET-31aa';
const KEY_FIELD = 42636;
const DAY_MS = 86_400_000;

let fake: RunningFakeSocialboards;
let worker: Miniflare;
/** The Worker's idempotency store, reached from Node, with a clock an hour back: what it writes is long past its lease. */
let planted: IdempotencyStore;
/** The same store on the real clock, to read what the Worker left. */
let store: IdempotencyStore;

beforeAll(async () => {
  fake = await startFakeSocialboards({ clientId: CLIENT_ID, refreshToken: REFRESH_TOKEN, port: 0 });
  worker = new Miniflare({
    modules: [{ type: 'ESModule', path: 'relay-worker.mjs', contents: (await bundleWorker()).script }],
    ...COMPATIBILITY,
    bindings: {
      SOCIALBOARDS_CLIENT_ID: CLIENT_ID,
      SOCIALBOARDS_REFRESH_TOKEN: REFRESH_TOKEN,
      SOCIALBOARDS_API_URL: fake.url,
      RELAY_ALLOWED_ORIGINS: 'https://shop.example',
      RELAY_SUBMISSION_KEY_FIELD: String(KEY_FIELD),
      RELAY_LOG: 'silent',
    },
    durableObjects: {
      IDEMPOTENCY: { className: 'IdempotencyShard', useSQLite: true },
      OUTBOX: { className: 'OutboxShard', useSQLite: true },
    },
  });
  const namespace = (await worker.getDurableObjectNamespace('IDEMPOTENCY')) as unknown as DurableObjectNamespaceLike;
  // The Worker's own settings: RELAY_IDEMPOTENCY_TTL_SECONDS and RELAY_IDEMPOTENCY_LEASE_SECONDS at their defaults.
  const options = { ttlMs: DAY_MS, leaseMs: 30_000 };
  planted = createDurableIdempotencyStore(namespace, { ...options, now: () => Date.now() - 3_600_000 });
  store = createDurableIdempotencyStore(namespace, options);
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
  await fake?.close();
});

/** A key whose request reserved it, began sending and died: unresolved, with no outbox entry. */
async function diedAfterSending(key: string) {
  const reserved = await planted.reserve(key, `fingerprint-of-${key}`);
  if (reserved.status !== 'reserved') throw new Error(`could not plant ${key}: ${reserved.status}`);
  expect(await planted.markSending(key, reserved.lease.holder)).toBe(true);
  expect(await planted.markUnresolved(key, reserved.lease.holder)).toBe(true);
}

const cron = async () => {
  const entry = (await worker.getWorker()) as unknown as { scheduled(options: { cron: string }): Promise<{ outcome: string }> };
  expect((await entry.scheduled({ cron: '*/30 * * * *' })).outcome).toBe('ok');
};

describe('the relay on Cloudflare Workers: unresolved keys on the Cron Trigger', () => {
  it('gives a key its 201 when Socialboards has the ticket that carries it, and leaves a key with no ticket unresolved', async () => {
    const found = `workers-settle-found-${Date.now()}`;
    const missing = `workers-settle-missing-${Date.now()}`;
    await diedAfterSending(found);
    await diedAfterSending(missing);
    // What the dead request had sent: Socialboards created it, with the key in the submission key field.
    const client = createSocialboardsClient(
      { apiUrl: fake.url, tokenUrl: `${fake.url}/token`, clientId: CLIENT_ID, refreshToken: REFRESH_TOKEN, timeoutMs: 5000, customFieldsPath: '/customfields', categoriesPath: '/categories' },
      { fetch, now: Date.now, log: createLogger({ level: 'silent' }) },
    );
    const body: CreateTicketBody = {
      title: 'Broken mirror',
      message: 'It arrived cracked.',
      isHtml: false,
      categoryId: null,
      assigneeId: null,
      tags: [],
      cc: [],
      creator: { name: null, email: 'ann@example.com', customIdentifier: null, image: null, phoneNumber: null },
      customFields: [{ id: KEY_FIELD, value: found }],
      attachments: [],
    };
    const created = await client.createTicket(body);
    if (!created.ok) throw new Error(`the fake refused the seed ticket: ${JSON.stringify(created.error)}`);

    await cron();

    expect(await store.lookup(found)).toMatchObject({ state: 'done', response: { status: 201 } });
    const done = await store.lookup(found);
    expect(done?.state === 'done' && JSON.parse(done.response.body)).toEqual({ ticketId: created.value });
    expect(await store.lookup(missing)).toMatchObject({ state: 'unresolved' });
    // Both were looked up (List Tickets by the key field); one ticket: settling looks, it never sends.
    const { requests } = (await (await fetch(`${fake.url}/__fake/requests`)).json()) as { requests: { method: string; path: string }[] };
    expect(requests.filter((request) => request.path === '/tickets/list')).toHaveLength(2);
    expect(requests.filter((request) => request.method === 'POST' && request.path === '/tickets')).toHaveLength(1);
  });
});
