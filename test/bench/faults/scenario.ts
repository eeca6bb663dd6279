/**
 * One fault scenario, start to finish: the fake Socialboards (in this process, never killed), a
 * Redis when asked, the relays as child processes, faults at Socialboards, the visitors sending
 * while relays are SIGKILLed and restarted, then the faults cleared, the outboxes drained and every
 * Send judged. Bounded by a deadline; everything it started is stopped however it ends.
 */
import { setMaxListeners } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeSocialboards } from '../../../src/fake-socialboards/server';
import type { RunningFakeSocialboards } from '../../../src/fake-socialboards/server';
import { freePort, startRedis } from '../../support/redis-server';
import type { RunningRedis } from '../../support/redis-server';
import { BENCH_LIMITS } from '../bench-stack';
import { installBrowsers } from './browsers';
import { relayProcess, removeOnExit, track } from './processes';
import type { RelayProcess } from './processes';
import { startRoundRobinProxy } from './round-robin-proxy';
import type { RunningProxy } from './round-robin-proxy';
import { finalWord, tally } from './tally';
import type { Figures, SendRecord } from './tally';
import { drainOutboxes, outboxKeys, PAGE_ORIGIN, pause, runVisitors } from './visitors';
import type { Submission } from './visitors';

export interface ScenarioSpec {
  name: string;
  store: 'sqlite' | 'redis';
  /** Relays; more than one stand behind the round-robin proxy. */
  relays: number;
  /** Each kill: which relay, once this share of the Sends has been pressed; one after the other. */
  kills: readonly { relay: number; afterShare: number }[];
  /** Socialboards fails, hangs and answers late (the issue's mix); false: a baseline without faults. */
  faults: boolean;
  /** This share of the Sends is pressed offline, so their messages wait in the browser outbox (default none). */
  offlineShare?: number;
}

export interface ScenarioOptions {
  submissions: number;
  widgets: number;
  /** How long a killed relay stays down before it is started again. */
  restartGapMs: number;
  /** Everything, drain included, ends by then (ms from the start). */
  deadlineMs: number;
  /** What the drain is left at least: the visitors stop when only this much of the deadline is left. */
  drainMs: number;
  /** Seeds the fake's dice, so a fault mix can be rerun. */
  seed: number;
  /** Progress lines. */
  say: (line: string) => void;
}

export interface ScenarioResult {
  figures: Figures;
  /** Per kill: the relay, and how long it was away (SIGKILL to answering /healthz again). */
  outages: { relay: string; downMs: number }[];
  wallMs: number;
  /** What the relays logged about ambiguous attempts, by message. */
  relayLog: Record<string, number>;
  /** Per backend, requests answered; connections refused and passed to the other. */
  proxy?: RunningProxy['stats'];
  /** Where the run was cut short, if it was. */
  cutShort?: string;
}

/** The issue's mix at Socialboards' Create Ticket: 30 % fail (5xx), 5 % hang, 5 % are processed but answered after the relay gave up. */
export const FAULT_MIX = { error: 0.3, hang: 0.05, lateSuccess: 0.05 } as const;

/** The relay's wait for Socialboards: short, so a hang costs the run 2 s, not the default 15. */
const UPSTREAM_TIMEOUT_MS = 2000;
const CREDENTIALS = { clientId: 'faults-client', refreshToken: 'faults-refresh' };
/** The fake's hidden custom field for the relay's submission key (docs/fake-socialboards.md). */
const SUBMISSION_KEY_FIELD = '42636';

/** Small, seedable dice (mulberry32). */
function dice(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Queues the mix at the fake, for Create Ticket only (the token and the definitions are cached by
 * the relay; List Tickets, the relay's check after an ambiguous attempt, is left alone). The fake
 * rolls each queued fault's dice in turn, so the later ones get the share left by the earlier ones.
 */
async function injectFaults(fake: RunningFakeSocialboards) {
  const { error, hang, lateSuccess } = FAULT_MIX;
  const faults = [
    { kind: 'error', rate: error, path: '/tickets' },
    { kind: 'timeout', rate: hang / (1 - error), path: '/tickets' },
    { kind: 'timeout', processed: true, rate: lateSuccess / (1 - error - hang), path: '/tickets' },
  ];
  for (const fault of faults) {
    const answer = await fetch(`${fake.url}/__fake/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(fault) });
    if (answer.status !== 204) throw new Error(`the fake refused a fault: ${answer.status} ${await answer.text()}`);
  }
}

/** The relay's environment: production defaults except what the bench must change, each said why. */
function relayEnv(fake: RunningFakeSocialboards, store: Record<string, string>): Record<string, string> {
  return {
    SOCIALBOARDS_API_URL: fake.url,
    SOCIALBOARDS_CLIENT_ID: CREDENTIALS.clientId,
    SOCIALBOARDS_REFRESH_TOKEN: CREDENTIALS.refreshToken,
    RELAY_ALLOWED_ORIGINS: PAGE_ORIGIN,
    RELAY_SUBMISSION_KEY_FIELD: SUBMISSION_KEY_FIELD,
    RELAY_UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
    RELAY_ATTACHMENTS: 'off',
    // The visitors type in no time; the spam screen would refuse a form sent within 1.5 s of showing.
    RELAY_SPAM_MIN_FILL_MS: '0',
    // Every visitor comes from 127.0.0.1: the per-address caps would count the whole crowd as one.
    RELAY_MAX_REQUESTS_PER_CLIENT: '10000',
    RELAY_MAX_CONNECTIONS_PER_CLIENT: '100000',
    ...BENCH_LIMITS,
    // Ambiguous attempts and their lookups are counted from the log.
    RELAY_LOG: 'info',
    ...store,
  };
}

/** Log messages of the relay that say how ambiguous attempts were settled. */
const LOGGED = {
  'idempotency key unresolved: the ticket may exist; a retry looks for it before sending': 'keys left unresolved',
  'found the ticket an unresolved attempt created; not sending it again': 'lookups that found the ticket',
  'no ticket carries the submission key of an unresolved attempt; sending it': 'lookups that found none (sent)',
} as const;

async function countLogged(files: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const msg = /"msg":"([^"]*)"/.exec(line)?.[1];
      const name = msg === undefined ? undefined : LOGGED[msg as keyof typeof LOGGED];
      if (name !== undefined) counts[name] = (counts[name] ?? 0) + 1;
    }
  }
  return counts;
}

/** Resolves once `pressed()` reaches `count`, or `stop` aborts. */
async function whenPressed(pressed: () => number, count: number, stop: AbortSignal) {
  while (pressed() < count && !stop.aborted) await pause(50, stop);
}

/** Runs one scenario; throws only when the harness itself fails (a process that will not start). */
export async function runScenario(spec: ScenarioSpec, options: ScenarioOptions): Promise<ScenarioResult> {
  const { submissions, widgets, restartGapMs, deadlineMs, drainMs, seed, say } = options;
  const started = Date.now();
  const deadline = started + deadlineMs;
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-faults-'));
  const scratch = removeOnExit(dataDir);
  const cleanups: (() => Promise<void>)[] = [
    async () => {
      await rm(dataDir, { recursive: true, force: true });
      scratch.forget();
    },
  ];
  const world = installBrowsers({ origin: PAGE_ORIGIN });
  cleanups.push(async () => world.uninstall());
  // Stops new visits when only the drain's share of the deadline is left; the drain stops at the deadline.
  const visitorsStop = new AbortController();
  const drainStop = new AbortController();
  // Every open page and every pause listens to them: one per widget and more.
  setMaxListeners(0, visitorsStop.signal, drainStop.signal);
  const timers = [
    setTimeout(() => visitorsStop.abort(), Math.max(0, deadline - drainMs - Date.now())),
    setTimeout(() => {
      visitorsStop.abort();
      drainStop.abort();
    }, deadlineMs),
  ];
  cleanups.push(async () => timers.forEach(clearTimeout));
  try {
    const fake = await startFakeSocialboards({ ...CREDENTIALS, random: dice(seed) });
    cleanups.push(() => fake.close());
    let redis: RunningRedis | undefined;
    if (spec.store === 'redis') {
      redis = await startRedis({ onSpawn: track });
      cleanups.push(() => (redis as RunningRedis).close());
    }
    const store: Record<string, string> = redis === undefined ? { RELAY_STORE_PATH: join(dataDir, 'relay.db') } : { REDIS_URL: redis.url };
    const names = Array.from({ length: spec.relays }, (_, index) => String.fromCharCode(65 + index));
    const logFiles = names.map((name) => join(dataDir, `relay-${name}.log`));
    const relays: RelayProcess[] = [];
    for (const logFile of logFiles) {
      relays.push(relayProcess({ port: await freePort(), env: relayEnv(fake, store), logFile }));
    }
    // Stopped with SIGTERM at the end; processes.ts SIGKILLs any left on the way out.
    cleanups.push(async () => void (await Promise.all(relays.map((relay) => relay.stop()))));
    await Promise.all(relays.map((relay) => relay.start()));
    let proxy: RunningProxy | undefined;
    if (relays.length > 1) {
      proxy = await startRoundRobinProxy(relays.map((relay) => relay.url));
      cleanups.push(() => (proxy as RunningProxy).close());
    }
    const entry = proxy?.url ?? (relays[0] as RelayProcess).url;
    say(`  relays ${names.map((name, index) => `${name} ${relays[index]?.url}`).join(', ')}${proxy ? ` behind ${proxy.url}` : ''}; store ${spec.store === 'redis' ? (redis as RunningRedis).url : 'SQLite file'}`);
    if (spec.faults) await injectFaults(fake);

    const run = `${seed.toString(36)}-${Date.now().toString(36)}`;
    const titles = Array.from({ length: submissions }, (_, index) => `Fault run ${run} no. ${index + 1}`);
    const browsers = Array.from({ length: widgets }, (_, index) => world.newBrowser(`browser ${index + 1}`));
    let pressed = 0;
    const outages: ScenarioResult['outages'] = [];
    const chaos = (async () => {
      for (const { relay: index, afterShare } of spec.kills) {
        await whenPressed(() => pressed, Math.ceil(afterShare * submissions), visitorsStop.signal);
        if (visitorsStop.signal.aborted) return;
        const relay = relays[index] as RelayProcess;
        const killedAt = Date.now();
        say(`  SIGKILL relay ${names[index]} after ${pressed} Sends`);
        await relay.kill();
        await pause(restartGapMs, drainStop.signal);
        await relay.start();
        outages.push({ relay: names[index] as string, downMs: Date.now() - killedAt });
        say(`  relay ${names[index]} back after ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
      }
    })();
    // A relay that will not start again ends the visits at once; the error is thrown below.
    chaos.catch(() => visitorsStop.abort());
    const progress = setInterval(() => say(`  ${pressed}/${submissions} Sends pressed, ${fake.state.tickets.length} tickets at the fake`), 15_000);
    let sent: Submission[];
    try {
      sent = await runVisitors({
        world,
        browsers,
        relay: entry,
        titles,
        stop: visitorsStop.signal,
        onSend: (count) => (pressed = count),
        offlineShare: spec.offlineShare ?? 0,
      });
      await chaos;
    } finally {
      clearInterval(progress);
    }
    let cutShort = visitorsStop.signal.aborted ? 'the visitors were stopped by the deadline' : undefined;

    // "Socialboards eventually answers": the faults end, and every outbox is given time to drain.
    await fetch(`${fake.url}/__fake/faults`, { method: 'DELETE' });
    const waiting = () => browsers.reduce((sum, browser) => sum + outboxKeys(browser).length, 0);
    say(`  Sends done after ${((Date.now() - started) / 1000).toFixed(0)} s; faults cleared; ${waiting()} messages in browser outboxes`);
    await drainOutboxes({ world, browsers, relay: entry, stop: drainStop.signal });
    const records = (): SendRecord[] =>
      sent.map((submission) => ({
        title: submission.title,
        sentAt: submission.sentAt,
        told: submission.told,
        attempts: submission.browser.attempts.filter((attempt) => attempt.title === submission.title),
        stillInOutbox: false,
      }));
    // A Send the relay queued (202) reaches Socialboards from the relay's own outbox: wait for it too.
    const titlesWithTicket = () => new Set(fake.state.tickets.map((ticket) => (ticket.body as { title?: string }).title));
    const undelivered = () => {
      const have = titlesWithTicket();
      return records().filter((record) => finalWord(record).word === 'sent' && !have.has(record.title)).length;
    };
    while (undelivered() > 0 && !drainStop.signal.aborted) await pause(500, drainStop.signal);
    if (drainStop.signal.aborted) cutShort ??= 'the drain was stopped by the deadline';

    const stillWaiting = new Map(browsers.map((browser) => [browser, new Set(outboxKeys(browser))]));
    const judged = records();
    const final = sent.map((submission, index) => {
      const record = judged[index] as SendRecord;
      const keys = stillWaiting.get(submission.browser) as Set<string>;
      return { ...record, stillInOutbox: record.attempts.some((attempt) => keys.has(attempt.key)) };
    });
    return {
      figures: tally(final, fake.state.tickets),
      outages,
      wallMs: Date.now() - started,
      relayLog: await countLogged(logFiles),
      ...(proxy ? { proxy: proxy.stats } : {}),
      ...(cutShort ? { cutShort } : {}),
    };
  } finally {
    visitorsStop.abort();
    drainStop.abort();
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => say(`  cleanup: ${String(error)}`));
  }
}
