/**
 * The relay outbox contract: tickets Socialboards could not take in time, kept durably in the
 * idempotency store's place (SQLite file or Redis) and delivered by a background worker, with
 * backoff, a lease so that one worker at a time delivers an entry, and a dead-letter list.
 */
import { createHash } from 'node:crypto';
import type { CreateTicketBody } from '../../shared/create-ticket';
import type { Logger } from '../log';

/** What the tickets route stages before its attempt, and what it queues when Socialboards failed transiently. */
export interface QueuedTicket {
  /** The submission's Idempotency-Key: one entry per key, however often it is enqueued. */
  key: string;
  /** The request's fingerprint under that key: the worker takes the key with it before sending. */
  fingerprint: string;
  /** The mapped Create Ticket body, exactly as it is to be sent (visitor data: shown only by `outbox show`). */
  body: CreateTicketBody;
  /** Custom field values to cut out of Socialboards' error texts before they are logged. */
  redact: readonly string[];
  /** Storage keys of the ticket's attachments: the sweep leaves them alone while the entry lives. */
  files: readonly string[];
  /** Why the last attempt failed: a relay error code (`upstream_unavailable`, `upstream_timeout`, …). */
  lastError: string;
  /** The last attempt may have created the ticket: look for it before sending again. */
  ambiguous: boolean;
}

/** A ticket staged before the request's own attempt (write-ahead). */
export type StagedTicket = Omit<QueuedTicket, 'lastError' | 'ambiguous'>;

/** An entry as the outbox keeps it. */
export interface OutboxEntry extends QueuedTicket {
  /** Opaque, for the visitor to quote and the operator to name (`referenceOf`). */
  reference: string;
  /** `queued`: waiting or being delivered; `dead`: refused or out of attempts, waiting for an operator. */
  state: 'queued' | 'dead';
  /**
   * Staged by a request that is sending it now: the request discards it or queues it when it
   * hears back. Due only if the request's relay died (then `nextAttemptAt` is past).
   */
  staged: boolean;
  /** Delivery attempts the outbox made since it was (re)queued; the request's own attempt is not counted. */
  attempts: number;
  /** When the next attempt is due (queued), or when it died (dead). */
  nextAttemptAt: number;
  createdAt: number;
}

/** How one delivery attempt ended. */
export type DeliveryOutcome =
  /** The ticket exists (sent now, or found by its submission key); `ticketId` null when Socialboards accepted it without an id. */
  | { outcome: 'delivered'; ticketId: number | null }
  /** A transient failure: try again after the backoff (or dead-letter it when out of attempts). */
  | { outcome: 'retry'; reason: string; ambiguous: boolean }
  /** A permanent refusal (a 4xx): dead-letter it at once. */
  | { outcome: 'refused'; reason: string };

/** One attempt, as the worker hands it to `Deliver`. */
export interface DeliveryAttempt {
  entry: OutboxEntry;
  /**
   * Records, right before Create Ticket goes out, that this attempt may create the ticket: if the
   * worker dies now, whoever takes the entry over looks for the ticket first. False when this
   * worker lost the entry (its lease was taken over): then it must not send.
   */
  markSending(): Promise<boolean>;
}

export type Deliver = (attempt: DeliveryAttempt) => Promise<DeliveryOutcome>;

/** When attempts are made: exponential from `baseMs`, doubled each time up to `maxMs`, with jitter. */
export interface Backoff {
  /** Attempts by the outbox before the entry is dead-lettered (RELAY_OUTBOX_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** RELAY_OUTBOX_BACKOFF_BASE_MS. */
  baseMs: number;
  /** RELAY_OUTBOX_BACKOFF_MAX_MS. */
  maxMs: number;
  /**
   * The least wait after an attempt that may have created the ticket (RELAY_UPSTREAM_TIMEOUT_MS):
   * Socialboards may still be creating it, and the next attempt first looks for it.
   */
  lookupDelayMs: number;
}

export interface WorkerOptions {
  deliver: Deliver;
  /** Entries delivered at once by this worker (they share the upstream guard with visitors). */
  concurrency: number;
  log: Logger;
}

export interface OutboxWorker {
  /** Stops taking entries, and resolves once the deliveries in progress have ended. */
  stop(): Promise<void>;
}

/** Depth figures for `/healthz` and the CLI. */
export interface OutboxCounts {
  queued: number;
  dead: number;
}

/**
 * Where queued tickets live. Every change is atomic (one SQLite transaction; a Lua script in
 * Redis, BullMQ's or the staged copies' own), but for the Redis outbox's sweep, which adds a job
 * and then deletes the copy it came from (bullmq-outbox.ts); a worker's writes are
 * compare-and-set on its lease, so an entry whose worker died is taken over by exactly one other,
 * and never delivered by two at once.
 */
export interface OutboxStore {
  /**
   * Records the ticket before the request's own attempt goes out, due only after `holdMs` (longer
   * than any request takes): if this relay dies during the attempt, a worker finishes the job.
   * An entry with the same key is kept as it is.
   */
  stage(ticket: StagedTicket, holdMs: number): Promise<void>;
  /** The request settled its staged ticket itself (created, or refused): the entry goes, unless a worker holds it. */
  discard(key: string): Promise<void>;
  /**
   * Queues the ticket, due after the first backoff: a new entry, or the request's staged one. An
   * entry queued already, or taken by a worker, is kept as it is. Returns the entry's reference.
   */
  enqueue(ticket: QueuedTicket): Promise<string>;
  /** Delivers due entries until stopped. */
  startWorker(options: WorkerOptions): OutboxWorker;
  /** Every entry, queued first (by due time), then dead ones. */
  list(): Promise<OutboxEntry[]>;
  /** The entry with this reference (or Idempotency-Key). */
  get(reference: string): Promise<OutboxEntry | undefined>;
  /** Makes dead entries (one, or `all`) due now with a fresh set of attempts; returns those it requeued. */
  replay(reference: string | 'all'): Promise<OutboxEntry[]>;
  /** Removes entries (one, or every dead one with `all`); returns those it removed. */
  drop(reference: string | 'all'): Promise<OutboxEntry[]>;
  counts(): Promise<OutboxCounts>;
  /** Storage keys of every attachment a live or dead entry refers to. */
  heldFiles(): Promise<Set<string>>;
  /** Stops timers and closes connections or files the store opened (workers first: `stop` them). */
  close(): Promise<void>;
}

/** The backoff with the defaults of the configuration reference. */
export const DEFAULT_BACKOFF: Backoff = { maxAttempts: 20, baseMs: 5000, maxMs: 600_000, lookupDelayMs: 15_000 };

/**
 * How long to wait after the `attempt`-th failure (1-based; the request's own attempt is the first): `baseMs · 2^(attempt−1)` capped at
 * `maxMs`, with "equal jitter" (half fixed, half random) so that entries queued in one outage do
 * not all come back in the same second.
 */
export function backoffDelay(attempt: number, { baseMs, maxMs }: Backoff, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/** The wait before the next attempt: the backoff, and at least `lookupDelayMs` after an ambiguous attempt. */
export const retryDelay = (attempt: number, ambiguous: boolean, backoff: Backoff, random: () => number = Math.random) =>
  Math.max(backoffDelay(attempt, backoff, random), ambiguous ? backoff.lookupDelayMs : 0);

/**
 * The reference a visitor gets for a queued ticket: derived from the Idempotency-Key (so a retry
 * gets the same one), one-way (it does not reveal the key), and short enough to read out.
 */
export function referenceOf(key: string): string {
  const hex = createHash('sha256').update(`outbox-reference:${key}`).digest('hex').slice(0, 12).toUpperCase();
  return `Q-${hex.slice(0, 4)}-${hex.slice(4, 8)}-${hex.slice(8, 12)}`;
}

/** How a store's worker runs one attempt: its own way to mark the entry as sending, and to keep its lease. */
export interface AttemptOptions {
  deliver: Deliver;
  log: Logger;
  /** The store's mark (see DeliveryAttempt.markSending): true when this worker still held the entry. */
  markSending: () => Promise<boolean>;
  /** Extends this worker's lease; called every third of `leaseMs` while the attempt runs. None: the store keeps the lease itself. */
  renew?: () => void;
  leaseMs: number;
}

/**
 * One delivery attempt, the same in every store: `deliver` with the store's mark, the lease kept
 * alive meanwhile, and a delivery that throws counted as a transient failure (ambiguous once the
 * entry was marked as sending, or was before).
 */
export async function attemptDelivery(entry: OutboxEntry, { deliver, log, markSending, renew, leaseMs }: AttemptOptions): Promise<DeliveryOutcome> {
  let sent = false;
  const beat = () => {
    try {
      renew?.();
    } catch (error) {
      // The next beat tries again; should the lease lapse meanwhile, another worker takes the entry over.
      log.warn('outbox lease could not be renewed', { reference: entry.reference, reason: error instanceof Error ? error.message : String(error) });
    }
  };
  const heartbeat = renew && setInterval(beat, Math.max(10, leaseMs / 3));
  // On Node the beat must not keep a process alive that is otherwise done (workerd's timers are numbers).
  (heartbeat as { unref?: () => void } | undefined)?.unref?.();
  try {
    return await deliver({ entry, markSending: async () => (sent = await markSending()) });
  } catch (error) {
    log.error('outbox delivery failed unexpectedly', { reference: entry.reference, stack: error instanceof Error ? error.stack : String(error) });
    return { outcome: 'retry', reason: 'internal', ambiguous: sent || entry.ambiguous };
  } finally {
    clearInterval(heartbeat);
  }
}

/** What one attempt did to the entry: the log line every implementation writes (never the body). */
export function logOutcome(log: Logger, entry: OutboxEntry, outcome: DeliveryOutcome, next: { state: 'delivered' | 'queued' | 'dead'; at?: number }): void {
  const fields = { reference: entry.reference, attempt: entry.attempts + 1 };
  if (next.state === 'delivered') {
    log.info('outbox delivered a queued ticket', { ...fields, ...(outcome.outcome === 'delivered' ? { ticketId: outcome.ticketId } : {}) });
    return;
  }
  const reason = outcome.outcome === 'delivered' ? 'delivered' : outcome.reason;
  if (next.state === 'dead') {
    const why = outcome.outcome === 'refused' ? 'refused' : 'max_attempts';
    log.warn('outbox dead-lettered a ticket; an operator replays or drops it (npm run relay -- outbox list)', { ...fields, reason, why });
    return;
  }
  log.info('outbox attempt failed; trying again later', { ...fields, reason, nextAttemptAt: next.at === undefined ? undefined : new Date(next.at).toISOString() });
}
