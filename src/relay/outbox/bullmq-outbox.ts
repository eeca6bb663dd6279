/**
 * The shared outbox for several relay instances (REDIS_URL): a BullMQ queue. One job per
 * Idempotency-Key (the job id), so enqueueing twice adds nothing; BullMQ's locks give each job to
 * one worker at a time and hand a dead worker's job to another (its stalled check); retries wait
 * out the backoff as delayed jobs; a permanent refusal is an `UnrecoverableError`; and the failed
 * set is the dead-letter list.
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
  /** See OutboxEntry.staged: a delayed job the request that added it removes or requeues. */
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
  const queue = new Queue<JobData, number | null>(QUEUE, { connection: connect(3), prefix });
  const workers: Worker[] = [];

  const toEntry = (job: TicketJob, state: OutboxEntry['state']): OutboxEntry => ({
    key: job.data.key,
    reference: job.data.reference,
    fingerprint: job.data.fingerprint,
    state,
    staged: job.data.staged,
    body: job.data.body,
    redact: job.data.redact,
    files: job.data.files,
    // A dead job's reason is ours (the error it failed with), or BullMQ's (stalled too often).
    lastError: state === 'dead' ? job.failedReason || job.data.lastError : job.data.lastError,
    ambiguous: job.data.ambiguous,
    attempts: job.attemptsMade,
    nextAttemptAt: state === 'dead' ? (job.finishedOn ?? job.data.nextAttemptAt) : job.data.nextAttemptAt,
    createdAt: job.data.createdAt,
  });

  const jobs = async (states: readonly string[]) =>
    (await queue.getJobs([...states] as Parameters<typeof queue.getJobs>[0], 0, -1)).filter((job): job is TicketJob => job !== undefined) as TicketJob[];

  const entries = async () => {
    const [live, dead] = await Promise.all([jobs(LIVE), jobs(['failed'])]);
    return [
      ...live.map((job) => toEntry(job, 'queued')).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt),
      ...dead.map((job) => toEntry(job, 'dead')).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt),
    ];
  };

  /** The job an operator names by reference or key, with its state. */
  const find = async (reference: string) => {
    const byKey = (await queue.getJob(jobIdOf(reference))) as TicketJob | undefined;
    const job = byKey ?? (await jobs([...LIVE, 'failed'])).find((candidate) => candidate.data.reference === reference);
    if (job === undefined) return undefined;
    return { job, state: (await job.getState()) === 'failed' ? ('dead' as const) : ('queued' as const) };
  };

  const named = async (reference: string) => {
    if (reference === 'all') return (await jobs(['failed'])).map((job) => ({ job, state: 'dead' as const }));
    const found = await find(reference);
    return found === undefined ? [] : [found];
  };

  const startWorker = ({ deliver, concurrency, log: workerLog }: WorkerOptions): OutboxWorker => {
    const processJob = async (job: TicketJob, token?: string): Promise<number | null> => {
      // Taken over from a request whose relay seemed dead: this worker's from now on.
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
    return {
      stop: async () => {
        // Already closed with the store (forced): its stuck deliveries are not waited for.
        if (!workers.includes(worker)) return;
        workers.splice(workers.indexOf(worker), 1);
        await worker.close();
      },
    };
  };

  /** Adds the job unless one with its id is there already (queued, staged, running or dead): then nothing changes. */
  const add = (ticket: StagedTicket, fields: Pick<JobData, 'staged' | 'lastError' | 'ambiguous'>, delay: number) =>
    queue.add(
      JOB_NAME,
      {
        key: ticket.key,
        reference: referenceOf(ticket.key),
        fingerprint: ticket.fingerprint,
        body: ticket.body,
        redact: [...ticket.redact],
        files: [...ticket.files],
        createdAt: now(),
        nextAttemptAt: now() + delay,
        ...fields,
      },
      { jobId: jobIdOf(ticket.key), delay, attempts: backoff.maxAttempts, backoff: { type: 'outbox' }, removeOnComplete: true, removeOnFail: false },
    );

  /** The request's own staged job, while it still waits out its hold (no worker has it). */
  const stagedJob = async (key: string) => {
    const job = (await queue.getJob(jobIdOf(key))) as TicketJob | undefined;
    return job?.data.staged === true ? job : undefined;
  };

  return {
    // Ambiguous from the start: if the relay dies, nobody knows whether its attempt reached Socialboards.
    stage: async (ticket, holdMs) => {
      await add(ticket, { staged: true, lastError: 'sending', ambiguous: true }, holdMs);
    },
    discard: async (key) => {
      try {
        // BullMQ refuses to remove a job a worker holds: that worker finishes it.
        await (await stagedJob(key))?.remove();
      } catch {
        log.info('outbox kept a staged ticket a worker has taken', { reference: referenceOf(key) });
      }
    },
    enqueue: async (ticket: QueuedTicket) => {
      const delay = retryDelay(1, ticket.ambiguous, backoff, random);
      const fields = { staged: false, lastError: ticket.lastError, ambiguous: ticket.ambiguous };
      const staged = await stagedJob(ticket.key);
      if (staged === undefined) await add(ticket, fields, delay);
      else {
        try {
          // Only while it is still delayed (its hold not over): otherwise a worker may have it.
          await staged.changeDelay(delay);
          await staged.updateData({ ...staged.data, ...fields, nextAttemptAt: now() + delay });
        } catch {
          log.info('outbox kept a staged ticket a worker has taken', { reference: staged.data.reference });
        }
      }
      return referenceOf(ticket.key);
    },
    startWorker,
    list: entries,
    get: async (reference) => {
      const found = await find(reference);
      return found && toEntry(found.job, found.state);
    },
    replay: async (reference) => {
      const replayed: OutboxEntry[] = [];
      for (const { job, state } of await named(reference)) {
        if (state !== 'dead') continue;
        await job.updateData({ ...job.data, nextAttemptAt: now() });
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        replayed.push({ ...toEntry(job, 'queued'), attempts: 0, nextAttemptAt: now() });
      }
      return replayed;
    },
    drop: async (reference) => {
      const dropped: OutboxEntry[] = [];
      for (const { job, state } of await named(reference)) {
        // A request is sending it right now (its hold is not over): not the operator's yet.
        if (job.data.staged && job.data.nextAttemptAt > now()) continue;
        try {
          // Refused by BullMQ while a worker holds the job: dropping could not stop a send in progress.
          await job.remove();
          dropped.push(toEntry(job, state));
        } catch {
          log.warn('outbox entry is being delivered; not dropped', { reference: job.data.reference });
        }
      }
      return dropped;
    },
    counts: async () => {
      const counts = await queue.getJobCounts(...LIVE, 'failed');
      return { queued: LIVE.reduce((sum, state) => sum + (counts[state] ?? 0), 0), dead: counts.failed ?? 0 };
    },
    heldFiles: async () => new Set((await jobs([...LIVE, 'failed'])).flatMap((job) => job.data.files)),
    close: async () => {
      // Forced: a delivery in progress keeps its lock until it lapses, and another worker then takes it over.
      await Promise.all(workers.splice(0).map((worker) => worker.close(true)));
      await queue.close();
      for (const redis of connections) redis.disconnect();
    },
  };
}
