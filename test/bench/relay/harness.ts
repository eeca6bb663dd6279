/**
 * The relay benchmark (issue 11): autocannon against a bare passthrough proxy, the floor of the
 * specified stack (floor.ts) and the relay on its embedded (SQLite) and Redis stores, all
 * forwarding tickets to one fake Socialboards whose
 * Create Ticket takes a fixed 50 ms. Every server is a child process on 127.0.0.1, so the relay's
 * memory is its own; every case is bounded by its duration (or request count), and its subject is
 * killed before the fake's counts are read (stopAndSettle).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort, startRedis } from '../../support/redis-server';
import type { RunningRedis } from '../../support/redis-server';
import { BENCH_LIMITS, ORIGIN } from '../bench-stack';
import { relayProcess, removeOnExit, track } from '../faults/processes';
import type { RelayProcess } from '../faults/processes';
import { DEFAULT_FLOOR } from './floor-options';
import type { FloorOptions } from './floor-options';
import { pacedLoad } from './paced-load';
import type { LoadResult } from './paced-load';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CREDENTIALS = { clientId: 'bench-client', refreshToken: 'bench-refresh' };
/** The fixed latency of the fake's Create Ticket (a `slow` fault on every `/tickets` call). */
export const UPSTREAM_LATENCY_MS = 50;

/**
 * The relay's form: `npm start`'s demo form (one custom field of each control, a required one, and a
 * category picker), so every ticket is checked against definitions the relay must fetch and cache.
 */
const FORM_CONFIG = 'src/dev/demo-form.json';
/** The required field's value, the region and a category, as a visitor of that form sends them. */
const CUSTOM_FIELDS = [
  { id: 42625, value: 'Model Y' },
  { id: 42623, value: 'Oslo' },
];
const CATEGORY_ID = 15602;
const ticketText = (key: string) => ({ title: `New car price list. ${key}`, message: 'Hello I want to buy a new car, how can I get a price list?', sentiment: 'question' });

/**
 * What the widget sends the relay, for one Idempotency-Key: the key is in the title, so that every
 * ticket's body is unique and the fake can count any created twice (`duplicateTickets`).
 */
export const widgetBody = (key: string) =>
  JSON.stringify({ ...ticketText(key), creator: { name: 'Bill Smith', email: 'bill_smith@gmail.com' }, customFields: CUSTOM_FIELDS, categoryId: CATEGORY_ID });
/** What the relay makes of it for Create Ticket; the passthrough is sent this, as it forwards bodies untouched. */
const upstreamBody = (key: string) =>
  JSON.stringify({
    ...ticketText(key),
    isHtml: false,
    sourceName: 'bench',
    categoryId: CATEGORY_ID,
    assigneeId: null,
    tags: [],
    cc: [],
    creator: { name: 'Bill Smith', email: 'bill_smith@gmail.com', customIdentifier: null, image: null, phoneNumber: null },
    customFields: CUSTOM_FIELDS,
    attachments: [],
  });

/**
 * `passthrough` (the baseline), `floor` (the specified stack alone: floor.ts) and the relay on its
 * embedded store (`sqlite`) or on Redis (`redis`).
 */
export type Subject = 'passthrough' | 'floor' | 'sqlite' | 'redis';
export const SUBJECTS: readonly Subject[] = ['passthrough', 'floor', 'sqlite', 'redis'];

export interface BenchOptions {
  /** Connection counts; each runs every subject in turn (passthrough first) before the next count. */
  connections: readonly number[];
  subjects: readonly Subject[];
  /** Measured seconds per case, or `amount` requests instead (exact counts: nothing is cut off at the end). */
  durationS?: number;
  amount?: number;
  /**
   * Seconds of load before the measured run: the relay fetches its token and definitions, V8 sizes
   * its heap to the allocation rate and SQLite's WAL reaches the length at which it starts again
   * (about 15 s at 100 connections here), so that the run measures the relay as it keeps running.
   */
  warmupS: number;
  /**
   * Requests a second, sent at fixed times whatever the answers do (paced-load.ts), instead of
   * autocannon's closed loop: p99 then says what the subject adds at that load, not how a slower
   * subject's queue grows.
   */
  rate?: number;
  /** The floor's store; default: on the event loop, with SQLite's own checkpoints. */
  floor?: FloorOptions;
  say: (line: string) => void;
}

export interface RssFigures {
  /** Before the warm-up, just started: what the warm-up grew is the first sample's difference to it. */
  startMb: number;
  /** One sample a second over the measured run, in MB. */
  samples: number[];
  firstMb: number;
  lastMb: number;
  maxMb: number;
  /** Least-squares slope of the samples, MB per minute. */
  slopeMbPerMin: number;
  /** The kernel's high-water mark (VmHWM) at the end of the case: the true peak, between samples too. */
  peakMb: number;
}

export interface CaseResult {
  subject: Subject;
  connections: number;
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** 2xx answers over warm-up and measured run. */
  answered2xx: number;
  non2xx: number;
  /** Connection errors and timeouts, as autocannon counts them. */
  errors: number;
  /**
   * Requests at the fake over the whole case, by endpoint; the tickets it created, and how many of
   * them repeat an earlier one's body (every request's is unique: a ticket created twice); and the
   * Create Ticket calls the fake logged with no answer sent, their caller's connection closed first
   * (a relay's time limit, say): the ticket is still created, and then counted.
   */
  upstream: { token: number; customFields: number; categories: number; createTicket: number; ticketsCreated: number; duplicates: number; abandoned: number };
  /** Requests a second when the load was paced (`--rate`): requests/s then says whether the subject kept up. */
  rate?: number;
  /** How the floor wrote its keys; only on the floor's case. */
  floor?: FloorOptions;
  /** The relay's memory; absent for the passthrough and the floor. */
  rss?: RssFigures;
  /**
   * The subject's CPU time over the measured run per 2xx answer, ms: the relay's, or the
   * passthrough's (what forwarding alone costs on this machine, for comparison).
   */
  cpuMsPerTicket?: number;
}

interface Fake {
  url: string;
  child: ChildProcess;
}

/** Starts the fake Socialboards as a child process and waits until it answers. */
async function startFake(): Promise<Fake> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/fake-socialboards/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', SOCIALBOARDS_PORT: String(port), FAKE_CLIENT_ID: CREDENTIALS.clientId, FAKE_REFRESH_TOKEN: CREDENTIALS.refreshToken },
    stdio: 'ignore',
  });
  track(child);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${url}/__fake/stats`, child, 'fake Socialboards');
  return { url, child };
}

/** Starts the passthrough proxy as a child process, forwarding with `token`. */
async function startPassthrough(fakeUrl: string, token: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  return startChild('passthrough', 'test/bench/relay/passthrough.ts', port, { PASSTHROUGH_PORT: String(port), PASSTHROUGH_UPSTREAM: fakeUrl, PASSTHROUGH_TOKEN: token });
}

/** Starts the floor (floor.ts) as a child process, calling Create Ticket with `token` and writing its keys to a file in a scratch folder. */
export async function startFloor(fakeUrl: string, token: string, { store, checkpoints }: FloorOptions): Promise<{ url: string; child: ChildProcess; db: string }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-floor-'));
  removeOnExit(dataDir);
  const db = join(dataDir, 'floor.db');
  const started = await startChild('floor', 'test/bench/relay/floor.ts', port, {
    FLOOR_PORT: String(port),
    FLOOR_UPSTREAM: fakeUrl,
    FLOOR_TOKEN: token,
    FLOOR_DB: db,
    FLOOR_STORE: store,
    FLOOR_CHECKPOINTS: checkpoints,
  });
  return { ...started, db };
}

async function startChild(name: string, script: string, port: number, env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
  track(child);
  const url = `http://127.0.0.1:${port}`;
  // Any answer (404 for GET /) means it listens.
  await waitUntilUp(url, child, name, () => true);
  return { url, child };
}

async function waitUntilUp(url: string, child: ChildProcess, name: string, accept = (response: Response) => response.ok): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited at start (code ${child.exitCode})`);
    const up = await fetch(url).then(accept, () => false);
    if (up) return;
    if (Date.now() > deadline) throw new Error(`${name} did not answer within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Forgets the fake's tickets, log and faults, then makes every Create Ticket take the fixed latency. */
async function resetFake(fakeUrl: string): Promise<void> {
  const reset = await fetch(`${fakeUrl}/__fake/reset`, { method: 'POST' });
  if (!reset.ok) throw new Error(`fake reset: ${reset.status}`);
  const fault = await fetch(`${fakeUrl}/__fake/faults`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    // `rate` alone: every matching request, until cleared (docs/fake-socialboards.md#faults).
    body: JSON.stringify({ kind: 'slow', delayMs: UPSTREAM_LATENCY_MS, path: '/tickets', rate: 1 }),
  });
  if (!fault.ok) throw new Error(`fake fault: ${fault.status} ${await fault.text()}`);
}

/** An access token from the fake, for `credentials` (the benchmark's own by default). */
export async function fakeToken(fakeUrl: string, credentials: { clientId: string; refreshToken: string } = CREDENTIALS): Promise<string> {
  const answer = await fetch(`${fakeUrl}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.refreshToken, client_id: credentials.clientId }),
  });
  if (!answer.ok) throw new Error(`fake /token: ${answer.status}`);
  return ((await answer.json()) as { access_token: string }).access_token;
}

/** Counts the fake's log since the last reset, by endpoint, and the tickets it holds. */
async function upstreamCounts(fakeUrl: string): Promise<CaseResult['upstream']> {
  const { requests } = (await (await fetch(`${fakeUrl}/__fake/requests`)).json()) as { requests: { path: string; status: number | null }[] };
  const stats = (await (await fetch(`${fakeUrl}/__fake/stats`)).json()) as { tickets: number; duplicateTickets: number };
  const on = (path: string) => requests.filter((entry) => entry.path === path);
  return {
    token: on('/token').length,
    customFields: on('/customfields').length,
    categories: on('/categories').length,
    createTicket: on('/tickets').length,
    // What the fake holds, not what its log saw answered: a call whose caller left still creates its ticket.
    ticketsCreated: stats.tickets,
    duplicates: stats.duplicateTickets,
    abandoned: on('/tickets').filter((entry) => entry.status === null).length,
  };
}

/** A field of /proc/PID/status in MB (VmRSS, VmHWM); Linux only. */
function procMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`no ${field} for process ${pid}`);
  return Number(match[1]) / 1024;
}

/**
 * The relay's memory in MB: the RSS (or its peak) of the process that serves, plus its launcher's
 * private pages (the rest of the launcher's RSS is the Node binary and libraries it shares with the
 * relay, about 30 of its 42 MB). A relay in one process: its own RSS.
 */
function relayMb(pids: readonly number[], field: 'VmRSS' | 'VmHWM'): number {
  const [launcher, relay] = pids;
  if (launcher === undefined) throw new Error('no relay process');
  return relay === undefined ? procMb(launcher, field) : procMb(relay, field) + privateMb(launcher);
}

/** A process's private memory (pages no other process maps), in MB; Linux only. */
function privateMb(pid: number): number {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
  return (kb('Private_Clean') + kb('Private_Dirty')) / 1024;
}

/** CPU time the relay's processes (launcher and relay) have used so far, in ms. */
const relayCpuMs = (pids: readonly number[]) => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);

/** CPU time (user + system) the process has used so far, in ms; Linux only. */
function cpuMs(pid: number): number {
  // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks, counted after the `(comm)` field.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
/** USER_HZ, 100 on every Linux we run on (`getconf CLK_TCK`). */
const CLOCK_TICKS = 100;

/** Least-squares slope of one-per-second samples, per minute. */
export function slopePerMinute(samples: readonly number[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = samples.reduce((sum, y) => sum + y, 0) / n;
  let num = 0;
  let den = 0;
  samples.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return (num / den) * 60;
}

/**
 * One run, each request with a fresh Idempotency-Key: autocannon's closed loop (each connection
 * sends its next request when the last is answered), or with `rate` requests sent at fixed times
 * (paced-load.ts).
 */
function load(url: string, subject: Subject, connections: number, bound: { durationS: number } | { amount: number }, rate?: number): Promise<LoadResult> {
  // The floor is sent what the relay is: the widget's request, from the allowed origin.
  const relay = subject !== 'passthrough';
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(relay ? { origin: ORIGIN } : {}) };
  const body = relay ? widgetBody : upstreamBody;
  if (rate !== undefined) {
    const total = 'amount' in bound ? bound.amount : Math.round(rate * bound.durationS);
    return pacedLoad({ url: `${url}/tickets`, rate, total, connections, headers, body });
  }
  return autocannon({
    url: `${url}/tickets`,
    connections,
    ...('amount' in bound ? { amount: bound.amount } : { duration: bound.durationS }),
    // Past the relay's worst case at 1000 connections (a wait for an upstream slot, then the call).
    timeout: 30,
    method: 'POST',
    headers,
    requests: [
      {
        setupRequest: (request) => {
          const key = randomUUID();
          return { ...request, headers: { ...request.headers, 'idempotency-key': key }, body: body(key) };
        },
      },
    ],
  });
}

function relayEnv(fakeUrl: string, dataDir: string, redis: RunningRedis | undefined): Record<string, string> {
  return {
    SOCIALBOARDS_CLIENT_ID: CREDENTIALS.clientId,
    SOCIALBOARDS_REFRESH_TOKEN: CREDENTIALS.refreshToken,
    SOCIALBOARDS_API_URL: fakeUrl,
    RELAY_ALLOWED_ORIGINS: ORIGIN,
    RELAY_LOG: 'silent',
    RELAY_ATTACHMENTS: 'off',
    RELAY_FORM_CONFIG: FORM_CONFIG,
    // Every request comes from 127.0.0.1: the per-client caps must admit the benchmark's connections...
    RELAY_MAX_REQUESTS_PER_CLIENT: '10000',
    RELAY_MAX_CONNECTIONS_PER_CLIENT: '100000',
    // ...and as many upstream calls at once as there are connections.
    RELAY_UPSTREAM_CONCURRENCY: '1000',
    RELAY_STORE_PATH: join(dataDir, 'relay.db'),
    // Rate limits on (counted per request, in Redis when REDIS_URL is set) but out of reach.
    ...BENCH_LIMITS,
    ...(redis === undefined ? {} : { REDIS_URL: redis.url }),
  };
}

/** Runs every case and returns its figures. Children and scratch folders are cleaned up by the caller's killAll on failure. */
export async function runRelayBench(options: BenchOptions): Promise<CaseResult[]> {
  const { say } = options;
  const bound = options.amount === undefined ? { durationS: options.durationS ?? 60 } : { amount: options.amount };
  const fake = await startFake();
  const redis = options.subjects.includes('redis') ? await startRedis({ onSpawn: track }) : undefined;
  const results: CaseResult[] = [];
  try {
    for (const connections of options.connections) {
      for (const subject of options.subjects) {
        say(`  ${subject} at ${connections} connections…`);
        await resetFake(fake.url);
        results.push(subject === 'passthrough' || subject === 'floor' ? await proxyCase(subject, fake.url, connections) : await relayCase(subject, fake.url, connections));
      }
    }
  } finally {
    await redis?.close();
    await stopChild(fake.child);
  }
  return results;

  /** The passthrough's case, or the floor's: each is given a token, and neither is sampled for memory. */
  async function proxyCase(subject: 'passthrough' | 'floor', fakeUrl: string, connections: number): Promise<CaseResult> {
    const token = await fakeToken(fakeUrl);
    const floor = subject === 'floor' ? (options.floor ?? DEFAULT_FLOOR) : undefined;
    const proxy = floor === undefined ? await startPassthrough(fakeUrl, token) : await startFloor(fakeUrl, token, floor);
    try {
      const warm = options.warmupS > 0 ? await load(proxy.url, subject, connections, { durationS: options.warmupS }, options.rate) : undefined;
      const pid = proxy.child.pid;
      const cpuBefore = pid === undefined ? undefined : cpuMs(pid);
      const run = await load(proxy.url, subject, connections, bound, options.rate);
      const cpuMsPerTicket = pid === undefined || cpuBefore === undefined ? undefined : (cpuMs(pid) - cpuBefore) / Math.max(1, run['2xx']);
      await stopAndSettle(() => stopChild(proxy.child), fakeUrl);
      const upstream = await upstreamCounts(fakeUrl);
      // The benchmark fetched the token itself; it is no call of the subject's.
      const result: CaseResult = { ...figures(subject, connections, warm, run, { ...upstream, token: upstream.token - 1 }, options.rate), ...(floor === undefined ? {} : { floor }) };
      return cpuMsPerTicket === undefined ? result : { ...result, cpuMsPerTicket };
    } finally {
      await stopChild(proxy.child);
    }
  }

  async function relayCase(subject: 'sqlite' | 'redis', fakeUrl: string, connections: number): Promise<CaseResult> {
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-relay-'));
    removeOnExit(dataDir);
    const relay: RelayProcess = relayProcess({ port: await freePort(), env: relayEnv(fakeUrl, dataDir, subject === 'redis' ? redis : undefined), logFile: join(dataDir, 'relay.log') });
    await relay.start();
    // The launcher and the relay it started (its young generation, src/relay/launcher.ts).
    const pids = relay.pids();
    if (pids.length !== 2) throw new Error(`expected the command's launcher and its relay, found ${pids.length === 0 ? 'none running' : 'one process'}`);
    try {
      const startMb = relayMb(pids, 'VmRSS');
      const warm = options.warmupS > 0 ? await load(relay.url, subject, connections, { durationS: options.warmupS }, options.rate) : undefined;
      const samples: number[] = [];
      const sampler = setInterval(() => samples.push(relayMb(pids, 'VmRSS')), 1000);
      samples.push(relayMb(pids, 'VmRSS'));
      const cpuBefore = relayCpuMs(pids);
      let run: LoadResult;
      try {
        run = await load(relay.url, subject, connections, bound, options.rate);
      } finally {
        clearInterval(sampler);
      }
      samples.push(relayMb(pids, 'VmRSS'));
      const cpuMsPerTicket = (relayCpuMs(pids) - cpuBefore) / Math.max(1, run['2xx']);
      const rss: RssFigures = {
        startMb,
        samples,
        firstMb: samples[0] ?? 0,
        lastMb: samples.at(-1) ?? 0,
        maxMb: Math.max(...samples),
        slopeMbPerMin: slopePerMinute(samples),
        // The kernel updates both counters lazily, so a sample can pass the high-water mark by a page or two.
        peakMb: Math.max(relayMb(pids, 'VmHWM'), ...samples),
      };
      await stopAndSettle(() => relay.kill(), fakeUrl);
      return { ...figures(subject, connections, warm, run, await upstreamCounts(fakeUrl), options.rate), rss, cpuMsPerTicket };
    } finally {
      await relay.kill();
    }
  }
}

/**
 * Ends a case before its counts: the subject is killed, so that it makes no more calls (a relay
 * still sends what it had queued after the load stops, and a count taken meanwhile would find more
 * tickets than the calls logged before it), then the fake finishes the calls it holds (at most
 * `waitMs`; then it throws, as counts taken meanwhile would be wrong); each goes on to create its
 * ticket, as Socialboards would.
 */
export async function stopAndSettle(stop: () => Promise<void>, fakeUrl: string, waitMs = 10_000): Promise<void> {
  await stop();
  const deadline = Date.now() + waitMs;
  do {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { inFlight } = (await (await fetch(`${fakeUrl}/__fake/stats`)).json()) as { inFlight: number };
    if (inFlight === 0) return;
  } while (Date.now() < deadline);
  throw new Error(`the fake was still answering calls ${waitMs / 1000} s after the subject stopped`);
}

function figures(subject: Subject, connections: number, warm: LoadResult | undefined, run: LoadResult, upstream: CaseResult['upstream'], rate: number | undefined): CaseResult {
  const both = (pick: (result: LoadResult) => number) => pick(run) + (warm === undefined ? 0 : pick(warm));
  return {
    subject,
    connections,
    requestsPerS: run.requests.average,
    p50Ms: run.latency.p50,
    p99Ms: run.latency.p99,
    answered2xx: both((result) => result['2xx']),
    non2xx: both((result) => result.non2xx),
    errors: both((result) => result.errors),
    upstream,
    ...(rate === undefined ? {} : { rate }),
  };
}
