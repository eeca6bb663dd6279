/**
 * The shared outbox for several relay instances (REDIS_URL): a BullMQ queue. One job per
 * Idempotency-Key (the job id), so enqueueing twice adds nothing; BullMQ's locks give each job to
 * one worker at a time and hand a dead worker's job to another (its stalled check); retries wait
 * out the backoff as delayed jobs; a permanent refusal is an `UnrecoverableError`; and the failed
 * set is the dead-letter list.
 *
 * A request's write-ahead copy (`stage`) is not a job: every ticket is staged and almost every one
 * discarded again a few tens of milliseconds later, and a BullMQ job's add and removal are two Lua
 * scripts of about 15 Redis calls each (about 165 µs of Redis's time a ticket, half of what a
 * ticket cost it, and four round trips with the job read back; README, "Twelfth round"). The copy
 * is a field of one hash, with its hold's end in a sorted set, each change one short script; a
 * worker's sweep (every STAGED_SWEEP_MS) turns a copy whose hold is over into a job, and only then
 * deletes it, and only if it is still that copy, still due: a relay dying in between leaves the
 * copy to be swept again (the job id keeps it one job, and a swept job is kept a while once done,
 * so a second sweep of the same copy finds it). A request that finishes after the sweep finds its
 * copy gone: the worker's job then meets the key the request settled, and does not send
 * (deliver-ticket.ts).
 */
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CreateTicketBody } from '../../shared/create-ticket';
import type { Logger } from '../log';
import { connectRedis } from '../redis-connection';
import { attemptDelivery, DEFAULT_BACKOFF, logOutcome, referenceOf, retryDelay } from './outbox-store';
import type { Backoff, OutboxEntry, OutboxStore, OutboxWorker, QueuedTicket, StagedTicket, WorkerOptions } from './outbox-store';

export interface BullmqOutboxOptions {
  /** REDIS_URL. */
  url: string;
  backoff?: Backoff;
  /** BullMQ's lock duration: a dead worker's job is taken over this long after its last renewal. */
  leaseMs: number;
  /** Prefix of every Redis key BullMQ writes (tests use their own). */
  prefix?: string;
  now?: () => number;
  random?: () => number;
  /** For connection errors (logged by code only: the URL may hold a password). */
  log: Logger;
}

/** A job's data: the entry without what BullMQ keeps itself (state, attempts). */
interface JobData {
  key: string;
  reference: string;
  fingerprint: string;
  /**
   * True in a staged copy (see OutboxEntry.staged), false in every job this version adds; true in a
   * staged delayed job an earlier version left, which its worker takes over.
   */
  staged: boolean;
  body: CreateTicketBody;
  redact: string[];
  files: string[];
  lastError: string;
  ambiguous: boolean;
  createdAt: number;
  nextAttemptAt: number;
  /** The delay the last failure asked for; BullMQ's backoff strategy returns it. */
  retryDelay?: number;
}

type TicketJob = Job<JobData, number | null>;

const QUEUE = 'relay-outbox';
const JOB_NAME = 'ticket';
/** States a job waits or runs in; `failed` is the dead-letter list. */
const LIVE = ['active', 'waiting', 'delayed', 'prioritized'] as const;
/** How often a stalled job may be handed to another worker (its worker died) before it is dead-lettered. */
const MAX_STALLED = 3;

/** BullMQ forbids job ids that look like integers, and keys may be all digits: hence the prefix. */
const jobIdOf = (key: string) => `key-${key}`;
/** How often a worker looks for staged copies whose hold is over, and how many it moves at a time. */
const STAGED_SWEEP_MS = 500;
const STAGED_SWEEP_BATCH = 100;
/** How long a swept copy's job is kept once delivered, so that a sweep that read the copy before it went adds nothing. */
const SWEPT_KEEP_S = 300;

/**
 * The staged copies' scripts (KEYS: the hash of copies, the sorted set of holds). Each is one
 * atomic change of both, in one round trip: a `MULTI` would cost more in this process than these
 * in Redis's (ioredis builds a pipeline object with a method for each of BullMQ's 64 scripts).
 */
export const STAGED_SCRIPTS = {
  /** ARGV: key, copy, hold's end. A copy there already is kept as it is, with its hold. */
  relayOutboxStage: `if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1]) end
return 1`,
  /** ARGV: key. */
  relayOutboxUnstage: `redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`,
  /** ARGV: key, the copy the sweep read ('' for none), now. Deletes only that copy, and only while its hold is over. */
  relayOutboxUnstageSwept: `local copy = redis.call('HGET', KEYS[1], ARGV[1])
if (copy or '') ~= ARGV[2] then return 0 end
local due = redis.call('ZSCORE', KEYS[2], ARGV[1])
if due and tonumber(due) > tonumber(ARGV[3]) then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`,
} as const;
type StagedScripts = { [name in keyof typeof STAGED_SCRIPTS]: (staged: string, due: string, ...args: (string | number)[]) => Promise<number> };

/** Opens the queue on REDIS_URL; workers get connections of their own (BullMQ blocks on them). */
export function createBullmqOutbox({
  url,
  backoff = DEFAULT_BACKOFF,
  leaseMs,
  prefix = 'sbrelay:outbox',
  now = Date.now,
  random = Math.random,
  log,
}: BullmqOutboxOptions): OutboxStore {
  const connections: Redis[] = [];
  /**
   * Workers' commands wait for a reconnect (BullMQ requires `maxRetriesPerRequest: null` for
   * them); the queue's, which visitors' requests wait on, fail after a few tries like the
   * idempotency store's, so a request is answered rather than held while Redis is down.
   */
  const connect = (maxRetriesPerRequest: number | null) => {
    const redis = connectRedis(url, {
      log,
      whenDown: 'redis unavailable; the outbox waits for it (queued tickets live there)',
      options: { maxRetriesPerRequest },
    });
    connections.push(redis);
    return redis;
  };
  const client = connect(3);
  for (const [name, lua] of Object.entries(STAGED_SCRIPTS)) client.defineCommand(name, { numberOfKeys: 2, lua });
  const scripts = client as unknown as StagedScripts;
  const queue = new Queue<JobData, number | null>(QUEUE, { connection: client, prefix });
  const workers: Worker[] = [];
  /** Staged copies (key → JobData as JSON) and when each one's hold ends (key scored by time), beside BullMQ's keys. */
  const stagedKey = `${prefix}:staged`;
  const stagedDueKey = `${prefix}:staged-due`;

  const unstage = async (key: string) => {
    await scripts.relayOutboxUnstage(stagedKey, stagedDueKey, key);
  };
  const stagedData = (raw: string) => JSON.parse(raw) as JobData;
  const stagedEntry = (data: JobData): OutboxEntry => ({ ...entryOf(data), state: 'queued', staged: true, attempts: 0 });
  /** Of these keys' staged copies, those that are no job yet (one swept, or queued by its request, is the job's until it is deleted). */
  const withoutJob = async <T>(items: T[], keyOf: (item: T) => string) => {
    if (items.length === 0) return [];
    const pipeline = client.pipeline();
    for (const item of items) pipeline.exists(queue.toKey(jobIdOf(keyOf(item))));
    const exists = (await pipeline.exec()) ?? [];
    return items.filter((_item, i) => exists[i]?.[1] === 0);
  };
  /** Every staged copy that is no job yet. */
  const stagedCopies = async () => withoutJob(Object.values(await client.hgetall(stagedKey)).map(stagedData), (data) => data.key);

  const entryOf = (data: JobData): Omit<OutboxEntry, 'state' | 'staged' | 'attempts'> => ({
    key: data.key,
    reference: data.reference,
    fingerprint: data.fingerprint,
    body: data.body,
    redact: data.redact,
    files: data.files,
    lastError: data.lastError,
    ambiguous: data.ambiguous,
    nextAttemptAt: data.nextAttemptAt,
    createdAt: data.createdAt,
  });
  const toEntry = (job: TicketJob, state: OutboxEntry['state']): OutboxEntry => ({
    ...entryOf(job.data),
    state,
    staged: job.data.staged,
    // A dead job's reason is ours (the error it failed with), or BullMQ's (stalled too often).
    lastError: state === 'dead' ? job.failedReason || job.data.lastError : job.data.lastError,
    attempts: job.attemptsMade,
    nextAttemptAt: state === 'dead' ? (job.finishedOn ?? job.data.nextAttemptAt) : job.data.nextAttemptAt,
  });

  const jobs = async (states: readonly string[]) =>
    (await queue.getJobs([...states] as Parameters<typeof queue.getJobs>[0], 0, -1)).filter((job): job is TicketJob => job !== undefined) as TicketJob[];

  const entries = async () => {
    const [live, dead, staged] = await Promise.all([jobs(LIVE), jobs(['failed']), stagedCopies()]);
    return [
      ...[...live.map((job) => toEntry(job, 'queued')), ...staged.map(stagedEntry)].sort((a, b) => a.nextAttemptAt - b.nextAttemptAt),
      ...dead.map((job) => toEntry(job, 'dead')).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt),
    ];
  };

  /** What an operator names by reference or key: a job with its state, or a staged copy that is not a job yet. */
  type Found = { job: TicketJob; state: 'queued' | 'dead' } | { job: undefined; entry: OutboxEntry };
  const find = async (reference: string): Promise<Found | undefined> => {
    const byKey = (await queue.getJob(jobIdOf(reference))) as TicketJob | undefined;
    const job = byKey ?? (await jobs([...LIVE, 'failed'])).find((candidate) => candidate.data.reference === reference);
    const state = await job?.getState();
    // A swept copy's job, kept a while once delivered (SWEPT_KEEP_S), is no entry.
    if (job !== undefined && state !== 'completed') return { job, state: state === 'failed' ? 'dead' : 'queued' };
    const raw = await client.hget(stagedKey, reference);
    const copy = raw === null ? (await stagedCopies()).find((data) => data.reference === reference) : stagedData(raw);
    return copy === undefined ? undefined : { job: undefined, entry: stagedEntry(copy) };
  };
  const entryFound = (found: Found) => (found.job === undefined ? found.entry : toEntry(found.job, found.state));

  const named = async (reference: string): Promise<Found[]> => {
    if (reference === 'all') return (await jobs(['failed'])).map((job) => ({ job, state: 'dead' as const }));
    const found = await find(reference);
    return found === undefined ? [] : [found];
  };

  const startWorker = ({ deliver, concurrency, log: workerLog }: WorkerOptions): OutboxWorker => {
    const processJob = async (job: TicketJob, token?: string): Promise<number | null> => {
      // A staged job an earlier version of the relay left (its staged copies were delayed jobs):
      // taken over from a request whose relay seemed dead, this worker's from now on.
      if (job.data.staged) await job.updateData({ ...job.data, staged: false });
      const entry = toEntry(job, 'queued');
      const outcome = await attemptDelivery(entry, {
        deliver,
        log: workerLog,
        // BullMQ keeps the job's lock itself; the lease matters only to the mark below.
        leaseMs,
        markSending: async () => {
          // Only while this worker still holds the job's lock; then the mark outlives a crash.
          if (token === undefined || (await job.extendLock(token, leaseMs)) !== 1) return false;
          await job.updateData({ ...job.data, ambiguous: true });
          return true;
        },
      });
      if (outcome.outcome === 'delivered') {
        logOutcome(workerLog, entry, outcome, { state: 'delivered' });
        return outcome.ticketId;
      }
      const attempt = job.attemptsMade + 1;
      if (outcome.outcome === 'refused') {
        await job.updateData({ ...job.data, lastError: outcome.reason });
        logOutcome(workerLog, entry, outcome, { state: 'dead' });
        throw new UnrecoverableError(outcome.reason);
      }
      const delay = retryDelay(attempt + 1, outcome.ambiguous, backoff, random);
      const last = attempt >= backoff.maxAttempts;
      await job.updateData({ ...job.data, lastError: outcome.reason, ambiguous: outcome.ambiguous, retryDelay: delay, nextAttemptAt: now() + delay });
      logOutcome(workerLog, entry, outcome, last ? { state: 'dead' } : { state: 'queued', at: now() + delay });
      throw new Error(outcome.reason);
    };
    const worker = new Worker<JobData, number | null>(QUEUE, processJob, {
      connection: connect(null),
      prefix,
      concurrency,
      lockDuration: leaseMs,
      stalledInterval: leaseMs,
      maxStalledCount: MAX_STALLED,
      // Seconds a worker blocks waiting for a job; short, so close() does not wait long.
      drainDelay: 1,
      removeOnComplete: { count: 0 },
      settings: { backoffStrategy: (_attemptsMade, _type, _error, job) => (job?.data as JobData | undefined)?.retryDelay ?? backoff.baseMs },
    });
    worker.on('error', (error) => workerLog.warn('outbox worker error', { reason: error.name }));
    workers.push(worker);
    const sweeper = sweepStaged(workerLog);
    return {
      stop: async () => {
        await sweeper.stop();
        // Already closed with the store (forced): its stuck deliveries are not waited for.
        if (!workers.includes(worker)) return;
        workers.splice(workers.indexOf(worker), 1);
        await closedOrRedisDown(worker.close());
      },
    };
  };

  /**
   * Resolves once a worker's graceful close is done, or once Redis is not there: BullMQ's graceful
   * close waits for Redis for as long as it is down (its blocking read of the next job never
   * returns), and a delivery could record nothing meanwhile. A job cut off so keeps its lock until
   * it lapses, and a worker takes it over.
   */
  const closedOrRedisDown = (closing: Promise<void>) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearInterval(watch);
        resolve();
      };
      const watch = setInterval(() => {
        if (client.status !== 'ready') done();
      }, 100);
      closing.then(done, done);
    });

  /**
   * Every STAGED_SWEEP_MS, the staged copies whose hold is over (their request's relay died, or it
   * is later than any request should be) become jobs, due now and ambiguous: the job first, then
   * the copy's deletion (only if it is still the copy read, still due), so nothing is lost in
   * between, and a copy swept by two workers at once is still one job (its id). A copy that fails
   * is logged and left for the next sweep, the others go on; a failed sweep (Redis down) is logged
   * once until one succeeds. Its timer keeps no process alive; stopping waits for a sweep running.
   */
  const sweepers = new Set<{ stop(): Promise<void> }>();
  const sweepStaged = (workerLog: Logger) => {
    let running: Promise<void> | undefined;
    let failing = false;
    const sweepOne = async (key: string) => {
      const raw = await client.hget(stagedKey, key);
      if (raw !== null) {
        const data = stagedData(raw);
        await queue.add(JOB_NAME, { ...data, staged: false, nextAttemptAt: now() }, { ...jobOptions(key, 0), removeOnComplete: { age: SWEPT_KEEP_S } });
        workerLog.info('outbox took over a staged ticket whose request did not come back', { reference: data.reference });
      }
      await scripts.relayOutboxUnstageSwept(stagedKey, stagedDueKey, key, raw ?? '', now());
    };
    const sweep = async () => {
      const due = await client.zrangebyscore(stagedDueKey, '-inf', now(), 'LIMIT', 0, STAGED_SWEEP_BATCH);
      for (const key of due) {
        await sweepOne(key).catch((error: unknown) => {
          workerLog.warn('outbox could not take over a staged ticket; trying again', { reference: referenceOf(key), reason: error instanceof Error ? error.message : String(error) });
        });
      }
    };
    const timer = setInterval(() => {
      if (running !== undefined) return;
      running = sweep()
        .then(
          () => {
            failing = false;
          },
          (error: unknown) => {
            if (!failing) workerLog.warn('outbox could not look for staged tickets to take over; trying again', { reason: error instanceof Error ? error.name : String(error) });
            failing = true;
          },
        )
        .finally(() => {
          running = undefined;
        });
    }, STAGED_SWEEP_MS);
    timer.unref();
    const sweeper = {
      stop: async () => {
        clearInterval(timer);
        sweepers.delete(sweeper);
        await running;
      },
    };
    sweepers.add(sweeper);
    return sweeper;
  };

  const jobOptions = (key: string, delay: number) =>
    ({ jobId: jobIdOf(key), delay, attempts: backoff.maxAttempts, backoff: { type: 'outbox' }, removeOnComplete: true, removeOnFail: false }) as const;
  const jobData = (ticket: StagedTicket, fields: Pick<JobData, 'staged' | 'lastError' | 'ambiguous'>, delay: number): JobData => ({
    key: ticket.key,
    reference: referenceOf(ticket.key),
    fingerprint: ticket.fingerprint,
    body: ticket.body,
    redact: [...ticket.redact],
    files: [...ticket.files],
    createdAt: now(),
    nextAttemptAt: now() + delay,
    ...fields,
  });

  return {
    // Ambiguous from the start: if the relay dies, nobody knows whether its attempt reached Socialboards.
    // A second stage of the key keeps the first copy and its hold, as a job id keeps its job.
    stage: async (ticket, holdMs) => {
      const data = jobData(ticket, { staged: true, lastError: 'sending', ambiguous: true }, holdMs);
      await scripts.relayOutboxStage(stagedKey, stagedDueKey, ticket.key, JSON.stringify(data), data.nextAttemptAt);
    },
    // A copy a sweep has turned into a job is gone already: that job's worker finds the key settled.
    discard: (key) => unstage(key),
    enqueue: async (ticket: QueuedTicket) => {
      const delay = retryDelay(1, ticket.ambiguous, backoff, random);
      // The job first, then the staged copy's deletion (a relay dying in between leaves the copy,
      // which a sweep finds a job for). A job there already (queued, swept, running or dead) stays as it is.
      await queue.add(JOB_NAME, jobData(ticket, { staged: false, lastError: ticket.lastError, ambiguous: ticket.ambiguous }, delay), jobOptions(ticket.key, delay));
      await unstage(ticket.key);
      return referenceOf(ticket.key);
    },
    startWorker,
    list: entries,
    get: async (reference) => {
      const found = await find(reference);
      return found && entryFound(found);
    },
    replay: async (reference) => {
      const replayed: OutboxEntry[] = [];
      for (const found of await named(reference)) {
        if (found.job === undefined || found.state !== 'dead') continue;
        const { job } = found;
        await job.updateData({ ...job.data, nextAttemptAt: now() });
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        replayed.push({ ...toEntry(job, 'queued'), attempts: 0, nextAttemptAt: now() });
      }
      return replayed;
    },
    drop: async (reference) => {
      const dropped: OutboxEntry[] = [];
      for (const found of await named(reference)) {
        const entry = entryFound(found);
        // A request is sending it right now (its hold is not over): not the operator's yet.
        if (entry.staged && entry.nextAttemptAt > now()) continue;
        if (found.job === undefined) {
          await unstage(entry.key);
          dropped.push(entry);
          continue;
        }
        try {
          // Refused by BullMQ while a worker holds the job: dropping could not stop a send in progress.
          await found.job.remove();
          dropped.push(entry);
        } catch {
          log.warn('outbox entry is being delivered; not dropped', { reference: entry.reference });
        }
      }
      return dropped;
    },
    counts: async () => {
      // The copies' keys only: /healthz asks, and a busy relay holds hundreds of tickets' bodies there.
      const [counts, staged] = await Promise.all([queue.getJobCounts(...LIVE, 'failed'), client.hkeys(stagedKey).then((keys) => withoutJob(keys, (key) => key))]);
      return { queued: LIVE.reduce((sum, state) => sum + (counts[state] ?? 0), staged.length), dead: counts.failed ?? 0 };
    },
    heldFiles: async () => {
      const [held, staged] = await Promise.all([jobs([...LIVE, 'failed']), client.hvals(stagedKey)]);
      return new Set([...held.map((job) => job.data), ...staged.map(stagedData)].flatMap((data) => data.files));
    },
    close: async () => {
      await Promise.all([...sweepers].map((sweeper) => sweeper.stop()));
      // Forced: a delivery in progress keeps its lock until it lapses, and another worker then takes it over.
      await Promise.all(workers.splice(0).map((worker) => worker.close(true)));
      await queue.close();
      for (const redis of connections) redis.disconnect();
    },
  };
}
