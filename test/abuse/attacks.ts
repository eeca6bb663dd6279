/**
 * The abuse suite's attacks, each against a fresh relay and fake Socialboards on 127.0.0.1, each
 * bounded in count and time, each returning what it measured. `run.ts` prints them (`npm run
 * abuse`); `abuse.test.ts` asserts the defences hold.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_LIMITS } from '../../src/dev/stack';
import { startHarness } from '../relay/integration/harness';
import type { Harness } from '../relay/integration/harness';
import { send, stall } from './loopback-client';
import type { LoopbackResponse, StalledConnection } from './loopback-client';

/**
 * The relay's own production defaults: every limit the harness relaxes for other tests, unset
 * again (a blank variable counts as unset).
 */
export const PRODUCTION_LIMITS: Record<string, string> = Object.fromEntries(Object.keys(DEMO_LIMITS).map((name) => [name, '']));

const TICKET = {
  title: 'Abuse suite ticket',
  message: 'Sent by the abuse suite on loopback.',
  creator: { name: 'Abuse Suite', email: 'abuse@example.com' },
};

let counter = 0;
const key = () => `abuse-${process.pid}-${Date.now()}-${String((counter += 1)).padStart(7, '0')}`;

/** The n-th of many distinct loopback clients: 127.1.x.y. */
export const clientAddress = (n: number) => `127.1.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;

/** Runs `task` for 0…count-1 with at most `parallel` at once, stopping early after `deadlineMs`. */
async function pool<T>(count: number, parallel: number, deadlineMs: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  const deadline = Date.now() + deadlineMs;
  let next = 0;
  const worker = async () => {
    while (next < count && Date.now() < deadline) {
      const i = next;
      next += 1;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return results.filter((result) => result !== undefined);
}

export const postTicket = (h: Harness, { from = '127.0.0.1', body = TICKET as unknown, origin }: { from?: string; body?: unknown; origin?: string } = {}) =>
  send({
    url: `${h.relay.url}/tickets`,
    method: 'POST',
    from,
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key(), ...(origin === undefined ? {} : { Origin: origin }) },
    body: JSON.stringify(body),
  });

const BOUNDARY = '----abuse-suite-boundary';
const multipart = (file: Buffer, name: string) =>
  Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: text/plain\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);

export const uploadFile = (h: Harness, file: Buffer, { from = '127.0.0.1', timeoutMs }: { from?: string; timeoutMs?: number } = {}) =>
  send({
    url: `${h.relay.url}/attachments`,
    method: 'POST',
    from,
    headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` },
    body: multipart(file, 'notes.txt'),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

const countBy = (responses: LoopbackResponse[]) => {
  const counts: Record<string, number> = {};
  for (const { status } of responses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
};

export interface TicketFlood {
  attempts: number;
  created: number;
  refused: number;
  statuses: Record<string, number>;
  seconds: number;
  /** The Retry-After of the first refusal, in seconds. */
  retryAfter: string | undefined;
}

/** One anonymous script (one address, no Origin) tries to create `attempts` tickets, 20 at a time. */
export async function ticketFlood(env: Record<string, string> = {}, attempts = 1000): Promise<TicketFlood> {
  const h = await startHarness(env);
  try {
    const started = Date.now();
    const responses = await pool(attempts, 20, 60_000, () => postTicket(h));
    const seconds = (Date.now() - started) / 1000;
    const created = (await h.fakeTickets()).length;
    const refusedResponse = responses.find((response) => response.status === 429);
    const retryAfter = refusedResponse?.headers['retry-after'];
    return {
      attempts: responses.length,
      created,
      refused: responses.filter((response) => response.status === 429).length,
      statuses: countBy(responses),
      seconds,
      retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
    };
  } finally {
    await h.close();
  }
}

export interface StorageLoop {
  rounds: number;
  uploadsAccepted: number;
  ticketsCreated: number;
  bytesStored: number;
  seconds: number;
}

/** Upload 1 MB → attach it to a throwaway ticket → repeat, from one address, for up to 200 rounds or 10 s. */
export async function uploadAttachRepeat(env: Record<string, string> = {}, rounds = 200): Promise<StorageLoop> {
  const h = await startHarness(env);
  const file = Buffer.alloc(1024 * 1024, 'abuse suite filler text. ');
  try {
    const started = Date.now();
    let uploadsAccepted = 0;
    let ticketsCreated = 0;
    let round = 0;
    for (; round < rounds && Date.now() - started < 10_000; round += 1) {
      const uploaded = await uploadFile(h, file);
      if (uploaded.status !== 201) continue;
      uploadsAccepted += 1;
      const { id } = JSON.parse(uploaded.text) as { id: string };
      const ticket = await postTicket(h, { body: { ...TICKET, attachments: [id] } });
      if (ticket.status === 201) ticketsCreated += 1;
    }
    return { rounds: round, uploadsAccepted, ticketsCreated, bytesStored: await bytesUnder(h.attachmentsDir), seconds: (Date.now() - started) / 1000 };
  } finally {
    await h.close();
  }
}

export interface SlowClients {
  held: number;
  /** How long an honest 1 MB upload from another address took while they were held; undefined if it failed. */
  honestUploadMs: number | undefined;
  honestStatus: number;
  /** How many of the stalled connections the relay had dropped after `observeMs`. */
  droppedWithin: number;
  observeMs: number;
  /** Of those dropped, the longest any was held. */
  longestHeldMs: number;
}

/**
 * `connections` uploads from one address declare 10 MB (and ten more declare 1 MB, to fill what is
 * left) and send a few bytes, then nothing; an honest visitor at another address uploads 1 MB. Then we watch for `observeMs` how many stalled
 * connections the relay drops by itself; the rest are closed by us.
 */
export async function slowClients(env: Record<string, string> = {}, connections = 105, observeMs = 15_000): Promise<SlowClients> {
  const h = await startHarness(env);
  const stalled: StalledConnection[] = [];
  try {
    const opened = await Promise.allSettled(
      Array.from({ length: connections + 10 }, (_, i) =>
        stall(h.relay.url, {
          from: '127.0.0.2',
          path: '/attachments',
          head: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` },
          declaredBytes: (i < connections ? 10 : 1) * 1024 * 1024,
          prefix: `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="slow.txt"\r\nContent-Type: text/plain\r\n\r\nslow`,
        }),
      ),
    );
    for (const result of opened) if (result.status === 'fulfilled') stalled.push(result.value);
    // Let the relay read the heads and admit (or refuse) each upload.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    const honest = await uploadFile(h, Buffer.alloc(1024 * 1024, 'honest visitor text. '), { from: '127.0.0.3', timeoutMs: 20_000 });
    const honestUploadMs = honest.status === 201 ? Date.now() - started : undefined;
    const watchUntil = Date.now() + observeMs;
    while (Date.now() < watchUntil && stalled.some((connection) => connection.closedAfterMs === undefined)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const dropped = stalled.filter((connection) => connection.closedAfterMs !== undefined);
    return {
      held: stalled.length,
      honestUploadMs,
      honestStatus: honest.status,
      droppedWithin: dropped.length,
      observeMs,
      longestHeldMs: Math.max(0, ...dropped.map((connection) => connection.closedAfterMs ?? 0)),
    };
  } finally {
    for (const connection of stalled) connection.socket.destroy();
    await h.close();
  }
}

export interface TokenStorm {
  requests: number;
  tokenCalls: number;
  statuses: Record<string, number>;
  /** The slowest answer, in ms. */
  slowestMs: number;
}

/** The token endpoint fails; `requests` tickets arrive at once, each from its own address. */
export async function tokenStorm(env: Record<string, string> = {}, requests = 300): Promise<TokenStorm> {
  const h = await startHarness(env);
  try {
    await h.fault({ kind: 'error', path: '/token', rate: 1 });
    const started = Date.now();
    const timings: number[] = [];
    const responses = await Promise.all(
      Array.from({ length: requests }, async (_, i) => {
        const response = await postTicket(h, { from: clientAddress(i) });
        timings.push(Date.now() - started);
        return response;
      }),
    );
    const tokenCalls = (await h.fakeRequests()).filter((request) => request.path === '/token').length;
    return { requests, tokenCalls, statuses: countBy(responses), slowestMs: Math.max(...timings) };
  } finally {
    await h.close();
  }
}

export interface UpstreamPressure {
  requests: number;
  peakUpstream: number;
  created: number;
  statuses: Record<string, number>;
}

/** Socialboards answers slowly (1 s); `requests` tickets arrive at once, each from its own address. */
export async function upstreamPressure(env: Record<string, string> = {}, requests = 300): Promise<UpstreamPressure> {
  const h = await startHarness(env);
  try {
    // A token first, so the flood measures ticket calls only.
    await postTicket(h, { from: '127.0.0.9' });
    await h.fault({ kind: 'slow', path: '/tickets', delayMs: 1000, rate: 1 });
    const responses = await Promise.all(Array.from({ length: requests }, (_, i) => postTicket(h, { from: clientAddress(i) })));
    const stats = (await (await fetch(`${h.fake.url}/__fake/stats`)).json()) as { peakInFlight: number };
    return { requests, peakUpstream: stats.peakInFlight, created: (await h.fakeTickets()).length - 1, statuses: countBy(responses) };
  } finally {
    await h.close();
  }
}

export interface OutageAnswers {
  requests: number;
  statuses: Record<string, number>;
  /** Median and slowest answer time of the requests after the first few, in ms. */
  medianMs: number;
  slowestMs: number;
}

/**
 * Socialboards hangs on every ticket (a timeout fault); 30 tickets arrive one after another, each
 * from its own address, with the relay's upstream limit at 3 s. How fast does a visitor hear back?
 */
export async function outageAnswers(env: Record<string, string> = {}, requests = 30): Promise<OutageAnswers> {
  const h = await startHarness({ RELAY_UPSTREAM_TIMEOUT_MS: '3000', ...env });
  try {
    await postTicket(h, { from: '127.0.0.9' });
    await h.fault({ kind: 'timeout', path: '/tickets', rate: 1 });
    const timings: number[] = [];
    const responses = await pool(requests, 3, 60_000, async (i) => {
      const started = Date.now();
      const response = await postTicket(h, { from: clientAddress(i) });
      timings.push(Date.now() - started);
      return response;
    });
    const later = timings.slice(6).sort((a, b) => a - b);
    return {
      requests: responses.length,
      statuses: countBy(responses),
      medianMs: later[Math.floor(later.length / 2)] ?? 0,
      slowestMs: Math.max(0, ...later),
    };
  } finally {
    await h.close();
  }
}
