/**
 * The relay outbox over real HTTP against the fake Socialboards: a ticket Socialboards cannot take
 * now is answered `202 queued` and delivered later, once, by the worker — after a restart too, on
 * one SQLite file or by two relays on one Redis — and a refused one waits for the operator's command.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { keyOf } from '../../../src/relay/attachments/reference';
import { createDiskStorage } from '../../../src/relay/attachments/disk-storage';
import { runOutboxCommand } from '../../../src/relay/outbox/outbox-cli';
import { createLogger } from '../../../src/relay/log';
import { useRedis } from '../../support/use-redis';
import { PNG, upload } from './attachments-support';
import type { Uploaded } from './attachments-support';
import { CLIENT_ID, ORIGIN, REFRESH_TOKEN, newKey, startHarness } from './harness';
import { relayProcess } from './relay-process';
import type { FakeRequest, Harness } from './harness';

const run = promisify(execFile);

const TICKET = { title: 'Kettle leaks', message: 'It leaks at the base. Order 1138.', creator: { email: 'ann@example.com' } };
/** Short backoff and timeouts; a breaker that stays closed, so each attempt reaches the fake. */
const FAST = {
  RELAY_UPSTREAM_TIMEOUT_MS: '400',
  RELAY_OUTBOX_BACKOFF_BASE_MS: '50',
  RELAY_OUTBOX_BACKOFF_MAX_MS: '200',
  RELAY_OUTBOX_POLL_MS: '20',
  RELAY_BREAKER_FAILURES: '1000',
  RELAY_IDEMPOTENCY_LEASE_SECONDS: '1',
};
const KEY_FIELD = '42636';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ticketCalls = (requests: FakeRequest[], path = '/tickets') => requests.filter((request) => request.method === 'POST' && request.path === path).length;

async function eventually(check: () => Promise<void> | void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(40);
    }
  }
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const harness = () => h as Harness;
const clearFaults = async () => {
  const response = await fetch(`${harness().fake.url}/__fake/faults`, { method: 'DELETE' });
  expect(response.status).toBe(204);
};
/** Runs `npm run relay -- outbox …` in this process, on the harness's store; its exit code and output. */
const outboxCommand = async (...args: string[]) => {
  const lines: string[] = [];
  const code = await runOutboxCommand(args, { env: harness().env, out: (line) => lines.push(line), log: createLogger({ level: 'silent' }) });
  return { code, output: lines.join('\n') };
};
const queuedReference = async (response: Response) => {
  expect(response.status).toBe(202);
  const body = (await response.json()) as { queued: boolean; reference: string };
  expect(body).toEqual({ queued: true, reference: expect.stringMatching(/^Q-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/) });
  return body.reference;
};

describe('a ticket Socialboards cannot take now', () => {
  it('is answered 202 queued, replayed as 202 while queued, delivered once when Socialboards is back, then replayed as 201', async () => {
    h = await startHarness(FAST);
    await h.fault({ kind: 'error', path: '/tickets', rate: 1 });
    const key = newKey();
    const reference = await queuedReference(await h.post(TICKET, { key }));

    const retry = await h.post(TICKET, { key });
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await queuedReference(retry)).toBe(reference);
    // The worker keeps trying while Socialboards fails.
    await eventually(async () => expect(ticketCalls(await harness().fakeRequests())).toBeGreaterThanOrEqual(3));
    expect(await h.fakeTickets()).toHaveLength(0);
    expect(await (await h.send('/healthz')).json()).toEqual({ status: 'ok', outbox: { queued: 1, dead: 0 } });

    await clearFaults();
    await eventually(async () => expect(await harness().fakeTickets()).toHaveLength(1));
    const [ticket] = await h.fakeTickets();
    expect(ticket?.body).toMatchObject({ title: TICKET.title, message: TICKET.message });
    const after = await h.post(TICKET, { key });
    expect(after.status).toBe(201);
    expect(await after.json()).toEqual({ ticketId: ticket?.id });
    await sleep(300);
    expect(await h.fakeTickets()).toHaveLength(1);
    expect(await (await h.send('/healthz')).json()).toEqual({ status: 'ok', outbox: { queued: 0, dead: 0 } });

    // One line per queue, attempt and delivery, naming the reference; never the ticket's text.
    const lines = h.logLines.filter((line) => line.includes(reference));
    expect(lines.some((line) => line.includes('ticket queued in the outbox'))).toBe(true);
    expect(lines.some((line) => line.includes('outbox attempt failed'))).toBe(true);
    expect(lines.some((line) => line.includes('outbox delivered a queued ticket') && line.includes(`"ticketId":${ticket?.id}`))).toBe(true);
    expect(h.logLines.filter((line) => line.includes('Kettle leaks') || line.includes('Order 1138'))).toEqual([]);
  });

  it('keeps answering 202 while it waits, however long past the idempotency TTL', async () => {
    const clock = { now: Date.now() };
    h = await startHarness({ ...FAST, RELAY_IDEMPOTENCY_TTL_SECONDS: '1' }, { now: () => clock.now });
    await h.fault({ kind: 'error', path: '/tickets', rate: 1 });
    const key = newKey();
    const reference = await queuedReference(await h.post(TICKET, { key }));
    clock.now += 3 * 24 * 3600_000;
    const retry = await h.post(TICKET, { key });
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await queuedReference(retry)).toBe(reference);
    expect(await h.fakeTickets()).toHaveLength(0);
  });

  it.each([
    ['the token endpoint fails', { kind: 'error', path: '/token' }],
    ['Socialboards never answers', { kind: 'timeout', path: '/tickets' }],
  ])('is queued when %s, and delivered afterwards', async (_name, fault) => {
    h = await startHarness(FAST);
    await h.fault(fault);
    await queuedReference(await h.post(TICKET));
    await eventually(async () => expect(await harness().fakeTickets()).toHaveLength(1));
  });

  it('is never queued when the visitor\'s request is invalid or Socialboards refuses it', async () => {
    h = await startHarness(FAST);
    expect((await h.post({ ...TICKET, title: '' })).status).toBe(400);
    await h.fault({ kind: 'refuse', path: '/tickets' });
    const refused = await h.post(TICKET);
    expect(refused.status).toBe(502);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('upstream_rejected');
    expect(await (await h.send('/healthz')).json()).toEqual({ status: 'ok', outbox: { queued: 0, dead: 0 } });
  });

  it('is delivered by the relay started again on the same SQLite file', async () => {
    h = await startHarness(FAST);
    await h.fault({ kind: 'error', path: '/tickets', rate: 1 });
    const key = newKey();
    const reference = await queuedReference(await h.post(TICKET, { key }));
    await h.relay.close();
    await clearFaults();
    await sleep(300);
    expect(await h.fakeTickets()).toHaveLength(0);

    const restarted = await h.startRelay();
    await eventually(async () => expect(await harness().fakeTickets()).toHaveLength(1));
    const retry = await h.post(TICKET, { key, via: restarted });
    expect(retry.status).toBe(201);
    expect(await retry.json()).toEqual({ ticketId: (await h.fakeTickets())[0]?.id });
    expect(h.logLines.some((line) => line.includes('outbox delivered') && line.includes(reference))).toBe(true);
  });

  it('is found, not sent again, when the first attempt created it (with the submission key field)', async () => {
    h = await startHarness({ ...FAST, RELAY_SUBMISSION_KEY_FIELD: KEY_FIELD });
    await h.fault({ kind: 'error', path: '/tickets', processed: true });
    const key = newKey();
    await queuedReference(await h.post(TICKET, { key }));
    const [created] = await h.fakeTickets();
    expect(created?.body.customFields).toEqual([{ id: Number(KEY_FIELD), value: key }]);

    await eventually(async () => expect(h?.logLines.some((line) => line.includes('outbox delivered'))).toBe(true));
    const requests = await h.fakeRequests();
    expect(ticketCalls(requests)).toBe(1);
    expect(ticketCalls(requests, '/tickets/list')).toBeGreaterThanOrEqual(1);
    expect(await h.fakeTickets()).toHaveLength(1);
    const retry = await h.post(TICKET, { key });
    expect(await retry.json()).toEqual({ ticketId: created?.id });
  });

  it('is sent again after an ambiguous attempt without the key field (the documented remaining risk), after the lookup delay', async () => {
    h = await startHarness(FAST);
    await h.fault({ kind: 'error', path: '/tickets', processed: true });
    const queuedAt = Date.now();
    await queuedReference(await h.post(TICKET));
    await eventually(async () => expect(await harness().fakeTickets()).toHaveLength(2));
    const [, second] = await h.fakeTickets();
    // Not before RELAY_UPSTREAM_TIMEOUT_MS: Socialboards may still have been creating the first.
    expect(Date.parse(second?.receivedAt ?? '') - queuedAt).toBeGreaterThanOrEqual(400);
  });
});

describe('a relay killed with SIGKILL while it sends a ticket', () => {
  it.each([
    ['Socialboards created it: the next relay finds it by its key field', { processed: true }, { RELAY_SUBMISSION_KEY_FIELD: KEY_FIELD }],
    ['Socialboards never got it: the next relay sends it', { processed: false }, {}],
  ])('loses nothing and creates one ticket: %s', async (_name, fault, extraEnv) => {
    // The hold (4 × 1.5 s + the 1 s lease) is how long the staged ticket waits for its request.
    const env = { ...FAST, ...extraEnv, RELAY_UPSTREAM_TIMEOUT_MS: '1500', RELAY_UPSTREAM_QUEUE_MS: '0' };
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
    });
    await h.fault({ kind: 'timeout', path: '/tickets', ...fault });
    const key = newKey();
    const lost = fetch(`${doomed.url}/tickets`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key, Origin: ORIGIN },
      body: JSON.stringify(TICKET),
    }).catch(() => 'connection lost');
    await eventually(async () => expect(ticketCalls(await harness().fakeRequests())).toBe(1));
    await doomed.kill();
    expect(await lost).toBe('connection lost');

    if (!fault.processed) {
      // A retry while the ticket waits for the worker hears that it is queued (the key is unresolved, no key field).
      const early = await h.post(TICKET, { key });
      expect(await queuedReference(early)).toMatch(/^Q-/);
      expect(early.headers.get('Idempotent-Replayed')).toBeNull();
    }
    // The surviving relay's worker finishes the job, whether or not the visitor retries.
    await eventually(async () => expect((await outboxCommand('list')).output).toBe('0 queued, 0 dead-lettered'), 20_000);
    const tickets = await h.fakeTickets();
    expect(tickets).toHaveLength(1);
    expect(ticketCalls(await h.fakeRequests())).toBe(fault.processed ? 1 : 2);
    const retry = await h.post(TICKET, { key });
    expect(retry.status).toBe(201);
    expect(await retry.json()).toEqual({ ticketId: tickets[0]?.id });
  }, 40_000);
});

describe('unresolved keys with no outbox entry', () => {
  it('are settled by the outbox with the ticket it finds by the key field', async () => {
    // A relay without the outbox leaves the key unresolved after an ambiguous failure.
    h = await startHarness({ ...FAST, RELAY_SUBMISSION_KEY_FIELD: KEY_FIELD, RELAY_OUTBOX: 'false' });
    await h.fault({ kind: 'error', path: '/tickets', processed: true });
    const key = newKey();
    expect((await h.post(TICKET, { key })).status).toBe(502);
    await h.relay.close();

    const withOutbox = await h.startRelay({ RELAY_OUTBOX: 'true' });
    await eventually(() => expect(h?.logLines.some((line) => line.includes('outbox settled an unresolved idempotency key'))).toBe(true));
    const [ticket] = await h.fakeTickets();
    const retry = await h.post(TICKET, { key, via: withOutbox });
    // Replayed from the store: the retry itself looked nothing up.
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await retry.json()).toEqual({ ticketId: ticket?.id });
    expect(ticketCalls(await h.fakeRequests(), '/tickets/list')).toBe(1);
    expect(await h.fakeTickets()).toHaveLength(1);
  });
});

describe('dead letters and the operator command', () => {
  it('dead-letters a ticket Socialboards refuses on delivery; list shows it, replay delivers it', async () => {
    h = await startHarness(FAST);
    await h.fault({ kind: 'error', path: '/tickets' });
    await h.fault({ kind: 'refuse', path: '/tickets' });
    const key = newKey();
    const reference = await queuedReference(await h.post(TICKET, { key }));
    await eventually(async () => expect(await (await harness().send('/healthz')).json()).toEqual({ status: 'ok', outbox: { queued: 0, dead: 1 } }));
    expect(h.logLines.some((line) => line.includes('outbox dead-lettered') && line.includes(reference) && line.includes('upstream_rejected'))).toBe(true);

    const listed = await outboxCommand('list');
    expect(listed.code).toBe(0);
    expect(listed.output).toMatch(new RegExp(`${reference}\\s+dead\\s+1\\s+upstream_rejected`));
    expect(listed.output).toContain('0 queued, 1 dead-lettered');
    expect(listed.output).not.toContain('Kettle');
    const shown = await outboxCommand('show', reference);
    expect(shown.output).toContain('Kettle leaks');
    expect(shown.output).toContain(`idempotency key: ${key}`);
    expect((await outboxCommand('show', 'Q-0000-0000-0000')).code).toBe(1);

    // Fixed (the fault is used up): replayed, it is delivered.
    const replayed = await outboxCommand('replay', reference);
    expect(replayed).toEqual({ code: 0, output: `replayed ${reference}: due now\n1 replayed` });
    await eventually(async () => expect(await harness().fakeTickets()).toHaveLength(1));
    await eventually(async () => expect((await harness().post(TICKET, { key })).status).toBe(201));
    expect((await outboxCommand('list')).output).toBe('0 queued, 0 dead-lettered');
  });

  it('drops a dead-lettered ticket with its attachments; the key keeps answering 202', async () => {
    h = await startHarness(FAST);
    const response = await upload(h.relay.url, PNG, 'leak.png');
    const file = (await response.json()) as Uploaded;
    await h.fault({ kind: 'error', path: '/tickets' });
    await h.fault({ kind: 'refuse', path: '/tickets' });
    const key = newKey();
    const reference = await queuedReference(await h.post({ ...TICKET, attachments: [file.id] }, { key }));
    await eventually(async () => expect((await outboxCommand('list')).output).toContain('0 queued, 1 dead-lettered'));
    expect((await outboxCommand('list')).output).toContain('1 file');
    const stored = createDiskStorage(h.attachmentsDir);
    expect(await stored.getMeta(keyOf(file.id))).toMatchObject({ attachedAt: expect.any(Number) });

    const dropped = await outboxCommand('drop', reference);
    expect(dropped).toEqual({ code: 0, output: `dropped ${reference} (1 attachment deleted)\n1 dropped` });
    expect(await stored.getMeta(keyOf(file.id))).toBeUndefined();
    expect((await readdir(h.attachmentsDir, { recursive: true })).filter((name) => name.includes(keyOf(file.id)))).toEqual([]);
    expect((await outboxCommand('list')).output).toBe('0 queued, 0 dead-lettered');
    expect((await outboxCommand('drop', reference)).code).toBe(1);
    const retry = await h.post({ ...TICKET, attachments: [file.id] }, { key });
    expect(await queuedReference(retry)).toBe(reference);
    expect(await h.fakeTickets()).toHaveLength(0);
  });

  it('keeps the attachment of a queued ticket until delivery, and Socialboards fetches it then', async () => {
    h = await startHarness(FAST);
    const file = (await (await upload(h.relay.url, PNG, 'proof.png')).json()) as Uploaded;
    await h.fault({ kind: 'error', path: '/tickets', rate: 1 });
    const queuedAt = Date.now();
    await queuedReference(await h.post({ ...TICKET, attachments: [file.id] }));
    const stored = createDiskStorage(h.attachmentsDir);
    // Attached when queued (served to Socialboards from then on), and held by the outbox.
    expect((await h.send(`/files/${keyOf(file.id)}/proof.png`)).status).toBe(200);
    await sleep(200);
    await clearFaults();
    await eventually(async () => expect(await harness().fakeTickets()).toHaveLength(1));
    const [ticket] = await h.fakeTickets();
    expect(ticket?.attachmentsFetched).toEqual([expect.objectContaining({ status: 200 })]);
    // Its retention counts from the delivery.
    await eventually(async () => expect((await stored.getMeta(keyOf(file.id)))?.attachedAt).toBeGreaterThan(queuedAt + 150));
  });

  it('runs as `npm run relay -- outbox list`, and explains its usage', async () => {
    h = await startHarness(FAST);
    const env = { ...process.env, ...h.env };
    const listed = await run('npm', ['run', '--silent', 'relay', '--', 'outbox', 'list'], { env });
    expect(listed.stdout.trim()).toBe('0 queued, 0 dead-lettered');
    await expect(run('npm', ['run', '--silent', 'relay', '--', 'outbox', 'replay'], { env })).rejects.toMatchObject({
      code: 2,
      stdout: expect.stringContaining('usage: npm run relay -- outbox <command>'),
    });
  }, 60_000);
});

describe('two relays on one Redis', () => {
  const redis = useRedis();

  it('deliver each queued ticket exactly once', async () => {
    h = await startHarness({ ...FAST, REDIS_URL: redis().url });
    const second = await h.startRelay();
    await h.fault({ kind: 'error', path: '/tickets', rate: 1 });
    const titles = Array.from({ length: 8 }, (_, i) => `Queued ticket ${i}`);
    const references = await Promise.all(
      titles.map(async (title, i) => queuedReference(await harness().post({ ...TICKET, title }, { via: i % 2 === 0 ? harness().relay : second }))),
    );
    expect(new Set(references).size).toBe(titles.length);
    await eventually(async () => expect(ticketCalls(await harness().fakeRequests())).toBeGreaterThanOrEqual(2 * titles.length));
    await clearFaults();
    await eventually(async () => expect(await harness().fakeTickets()).toHaveLength(titles.length), 20_000);
    await sleep(500);
    const tickets = await h.fakeTickets();
    expect(tickets.map((ticket) => ticket.body.title).sort()).toEqual([...titles].sort());
    // One delivery line per ticket: none was delivered twice, by either relay.
    const deliveries = h.logLines.filter((line) => line.includes('outbox delivered a queued ticket'));
    expect(deliveries).toHaveLength(titles.length);
    expect((await outboxCommand('list')).output).toBe('0 queued, 0 dead-lettered');
  }, 40_000);
});
