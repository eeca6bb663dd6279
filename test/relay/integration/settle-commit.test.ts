/**
 * A ticket's last two writes on the embedded store, over real HTTP against the fake Socialboards.
 * Created: the outbox's discard of its staged copy and its key's answer are both asked for before
 * either is committed (on the one connection the two stores share, SQLite's group commit then
 * commits them together), and the visitor hears back once both are. Refused: the discard is
 * committed before the key is released, since a worker could take a released key.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_LIMITS } from '../../../src/dev/stack';
import { startFakeSocialboards } from '../../../src/fake-socialboards/server';
import type { RunningFakeSocialboards } from '../../../src/fake-socialboards/server';
import { parseRelayConfig } from '../../../src/relay/config';
import { createSqliteOutbox } from '../../../src/relay/outbox/sqlite-outbox';
import type { OutboxStore } from '../../../src/relay/outbox/outbox-store';
import { startRelay } from '../../../src/relay/server';
import type { RunningRelay } from '../../../src/relay/server';
import { createSqliteIdempotencyStore } from '../../../src/relay/stores/sqlite-idempotency-store';
import type { IdempotencyStore } from '../../../src/relay/stores/idempotency-store';
import { ORIGIN, newKey } from './harness';

describe("a created ticket's key and its staged copy, on the embedded store", () => {
  let fake: RunningFakeSocialboards;
  let relay: RunningRelay;
  let dataDir = '';
  let store: IdempotencyStore;
  let outbox: OutboxStore;
  /** What the two stores were asked for and when each write was committed, in order. */
  const events: string[] = [];

  beforeAll(async () => {
    fake = await startFakeSocialboards({ clientId: 'settle-client', refreshToken: 'settle-refresh-SECRET', port: 0 });
    dataDir = await mkdtemp(join(tmpdir(), 'relay-settle-'));
    const path = join(dataDir, 'relay.db');
    // One file, so one connection and one group commit, as the relay opens them by default.
    store = createSqliteIdempotencyStore({ path, ttlMs: 86_400_000 });
    outbox = createSqliteOutbox({ path, leaseMs: 30_000, pollMs: 60_000 });
    const recorded = <T>(name: string, write: Promise<T>) => {
      events.push(`${name} asked`);
      return write.then((value) => {
        events.push(`${name} committed`);
        return value;
      });
    };
    const config = parseRelayConfig({
      ...DEMO_LIMITS,
      SOCIALBOARDS_CLIENT_ID: 'settle-client',
      SOCIALBOARDS_REFRESH_TOKEN: 'settle-refresh-SECRET',
      SOCIALBOARDS_API_URL: fake.url,
      RELAY_ALLOWED_ORIGINS: ORIGIN,
      RELAY_ATTACHMENTS: 'off',
      RELAY_LOG: 'silent',
      RELAY_HOST: '127.0.0.1',
      RELAY_PORT: '0',
    });
    relay = await startRelay(config, {
      idempotencyStore: {
        ...store,
        complete: (...args) => recorded('complete', store.complete(...args)),
        release: (...args) => recorded('release', store.release(...args)),
      },
      outbox: { ...outbox, stage: (...args) => recorded('stage', outbox.stage(...args)), discard: (key) => recorded('discard', outbox.discard(key)) },
    });
  });

  afterAll(async () => {
    await relay?.close();
    await outbox?.close();
    await store?.close();
    await fake?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const send = () =>
    fetch(`${relay.url}/tickets`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: ORIGIN, 'Idempotency-Key': newKey() },
      body: JSON.stringify({ title: 'Price list', message: 'How much is the new model?', sentiment: 'question', creator: { name: 'Bill Smith', email: 'bill_smith@gmail.com' } }),
    });

  it('asks for the discard and the answer together, and answers once both are committed', async () => {
    events.length = 0;
    const response = await send();
    expect(response.status, await response.clone().text()).toBe(201);
    expect(events).toEqual(['stage asked', 'stage committed', 'discard asked', 'complete asked', 'discard committed', 'complete committed']);
    // Nothing is left staged: the outbox has nothing to deliver.
    expect(await outbox.counts()).toEqual({ queued: 0, dead: 0 });
  });

  it('commits the discard of a refused ticket before it releases the key', async () => {
    events.length = 0;
    const fault = await fetch(`${fake.url}/__fake/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ kind: 'refuse', path: '/tickets' }) });
    expect(fault.status).toBe(204);
    const response = await send();
    expect(response.status).toBe(502);
    expect(events).toEqual(['stage asked', 'stage committed', 'discard asked', 'discard committed', 'release asked', 'release committed']);
    expect(await outbox.counts()).toEqual({ queued: 0, dead: 0 });
  });
});
