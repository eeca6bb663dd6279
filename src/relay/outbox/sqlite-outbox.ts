/**
 * The embedded outbox: a table in the relay's SQLite file (RELAY_STORE_PATH), beside the idempotency
 * keys, so queued tickets survive a restart with no set-up; relay processes sharing the file share
 * the work, each entry under a lease that one worker at a time holds (compare-and-set on its id).
 */
import { randomUUID } from 'node:crypto';
import type { CreateTicketBody } from '../../shared/create-ticket';
import { closeDatabase, openDatabase } from '../stores/sqlite-database';
import { attemptDelivery, DEFAULT_BACKOFF, logOutcome, referenceOf, retryDelay } from './outbox-store';
import type { Backoff, DeliveryOutcome, OutboxEntry, OutboxStore, OutboxWorker, QueuedTicket, StagedTicket, WorkerOptions } from './outbox-store';

export interface SqliteOutboxOptions {
  /** The database file (the idempotency store's). */
  path: string;
  backoff?: Backoff;
  /** How long a worker's claim on an entry outlives its last renewal: a dead worker's entry is taken over after it. */
  leaseMs: number;
  /** How often a worker looks for due entries (RELAY_OUTBOX_POLL_MS). */
  pollMs: number;
  now?: () => number;
  /** The jitter's source; tests pin it. */
  random?: () => number;
}

interface Row {
  key: string;
  reference: string;
  fingerprint: string;
  state: OutboxEntry['state'];
  staged: number;
  body: string;
  redact: string;
  files: string;
  last_error: string;
  ambiguous: number;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
  holder: string | null;
  lease_expires_at: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS outbox_entries (
    key TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    staged INTEGER NOT NULL,
    body TEXT NOT NULL,
    redact TEXT NOT NULL,
    files TEXT NOT NULL,
    last_error TEXT NOT NULL,
    ambiguous INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    holder TEXT,
    lease_expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS outbox_entries_due ON outbox_entries (state, next_attempt_at);
`;

const toEntry = (row: Row): OutboxEntry => ({
  key: row.key,
  reference: row.reference,
  fingerprint: row.fingerprint,
  state: row.state,
  staged: row.staged === 1,
  body: JSON.parse(row.body) as CreateTicketBody,
  redact: JSON.parse(row.redact) as string[],
  files: JSON.parse(row.files) as string[],
  lastError: row.last_error,
  ambiguous: row.ambiguous === 1,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  createdAt: row.created_at,
});

/** Opens the outbox table in the file at `path` (creating it when missing). */
export function createSqliteOutbox({ path, backoff = DEFAULT_BACKOFF, leaseMs, pollMs, now = Date.now, random = Math.random }: SqliteOutboxOptions): OutboxStore {
  const file = openDatabase(path);
  const { db } = file;
  // The connection may be shared with the idempotency store, which outlives this one's `close`.
  let closed = false;
  const isOpen = () => !closed && db.open;
  db.exec(SCHEMA);
  const insert = db.prepare(`
    INSERT OR IGNORE INTO outbox_entries
      (key, reference, fingerprint, state, staged, body, redact, files, last_error, ambiguous, attempts, next_attempt_at, created_at, holder, lease_expires_at)
    VALUES (@key, @reference, @fingerprint, 'queued', @staged, @body, @redact, @files, @last_error, @ambiguous, 0, @next_attempt_at, @created_at, NULL, 0)`);
  // The request's own staged entry, unless a worker took it (its relay seemed dead).
  const unstage = db.prepare(`
    UPDATE outbox_entries SET staged = 0, last_error = @last_error, ambiguous = @ambiguous, next_attempt_at = @next_attempt_at
    WHERE key = @key AND staged = 1 AND (holder IS NULL OR lease_expires_at <= @now)`);
  const discard = db.prepare<[string, number]>('DELETE FROM outbox_entries WHERE key = ? AND staged = 1 AND (holder IS NULL OR lease_expires_at <= ?)');
  const byKey = db.prepare<[string], Row>('SELECT * FROM outbox_entries WHERE key = ?');
  const byName = db.prepare<[string, string], Row>('SELECT * FROM outbox_entries WHERE reference = ? OR key = ?');
  const due = db.prepare<[number, number, number], Row>(`
    SELECT * FROM outbox_entries
    WHERE state = 'queued' AND next_attempt_at <= ? AND (holder IS NULL OR lease_expires_at <= ?)
    ORDER BY next_attempt_at, created_at LIMIT ?`);
  const anyDue = db.prepare<[number, number], { key: string }>(`
    SELECT key FROM outbox_entries
    WHERE state = 'queued' AND next_attempt_at <= ? AND (holder IS NULL OR lease_expires_at <= ?) LIMIT 1`);
  // A worker that takes a staged entry makes it its own: the request that staged it no longer discards it.
  const lease = db.prepare<[string | null, number, string]>('UPDATE outbox_entries SET holder = ?, lease_expires_at = ?, staged = 0 WHERE key = ?');
  const renew = db.prepare<[number, string, string]>("UPDATE outbox_entries SET lease_expires_at = ? WHERE key = ? AND holder = ? AND state = 'queued'");
  const sending = db.prepare<[number, string, string]>(
    "UPDATE outbox_entries SET ambiguous = 1, lease_expires_at = ? WHERE key = ? AND holder = ? AND state = 'queued'",
  );
  const remove = db.prepare<[string, string]>('DELETE FROM outbox_entries WHERE key = ? AND holder = ?');
  const reschedule = db.prepare(`
    UPDATE outbox_entries SET state = @state, attempts = @attempts, next_attempt_at = @next_attempt_at, last_error = @last_error,
      ambiguous = @ambiguous, holder = NULL, lease_expires_at = 0
    WHERE key = @key AND holder = @holder`);
  const all = db.prepare<[], Row>("SELECT * FROM outbox_entries ORDER BY state DESC, next_attempt_at, created_at");
  const dead = db.prepare<[], Row>("SELECT * FROM outbox_entries WHERE state = 'dead' ORDER BY next_attempt_at");
  const requeue = db.prepare<[number, string]>(
    "UPDATE outbox_entries SET state = 'queued', attempts = 0, next_attempt_at = ?, holder = NULL, lease_expires_at = 0 WHERE key = ?",
  );
  const deleteKey = db.prepare<[string]>('DELETE FROM outbox_entries WHERE key = ?');
  const counts = db.prepare<[], { state: string; count: number }>('SELECT state, COUNT(*) AS count FROM outbox_entries GROUP BY state');
  const files = db.prepare<[], { files: string }>("SELECT files FROM outbox_entries WHERE files <> '[]'");

  /**
   * Takes up to `limit` due entries that nobody holds (or whose holder's lease lapsed). Like every
   * read-then-write here it runs `.immediate`: the write lock is taken before reading, so another
   * process waits (busy timeout) instead of both deciding on the same rows.
   */
  const claim = db.transaction((holder: string, limit: number) => {
    const time = now();
    const rows = due.all(time, time, limit);
    for (const row of rows) lease.run(holder, time + leaseMs, row.key);
    return rows.map((row) => toEntry({ ...row, staged: 0 }));
  });

  /** Records an attempt's outcome, if `holder` still holds the entry; returns what became of it. */
  const finish = db.transaction((entry: OutboxEntry, holder: string, outcome: DeliveryOutcome) => {
    const time = now();
    if (outcome.outcome === 'delivered') return remove.run(entry.key, holder).changes === 1 ? { state: 'delivered' as const } : undefined;
    const attempts = entry.attempts + 1;
    const isDead = outcome.outcome === 'refused' || attempts >= backoff.maxAttempts;
    const at = isDead ? time : time + retryDelay(attempts + 1, outcome.outcome === 'retry' && outcome.ambiguous, backoff, random);
    const changed = reschedule.run({
      key: entry.key,
      holder,
      state: isDead ? 'dead' : 'queued',
      attempts,
      next_attempt_at: at,
      last_error: outcome.reason,
      // A refusal says nothing about an earlier ambiguous attempt: that one may still have created it.
      ambiguous: (outcome.outcome === 'retry' ? outcome.ambiguous : entry.ambiguous) ? 1 : 0,
    }).changes;
    return changed === 1 ? { state: isDead ? ('dead' as const) : ('queued' as const), at } : undefined;
  });

  const pick = (reference: string, only: (row: Row) => boolean) =>
    reference === 'all' ? dead.all() : [byName.get(reference, reference)].filter((row): row is Row => row !== undefined && only(row));

  const replay = db.transaction((reference: string) => {
    const rows = pick(reference, (row) => row.state === 'dead');
    for (const row of rows) requeue.run(now(), row.key);
    return rows.map((row) => toEntry({ ...row, state: 'queued', attempts: 0, next_attempt_at: now() }));
  });

  // A queued entry a worker holds right now is left to it: dropping it could not stop a send in progress.
  const drop = db.transaction((reference: string) => {
    const time = now();
    const idle = (row: Row) => (row.holder === null || row.lease_expires_at <= time) && (row.staged === 0 || row.next_attempt_at <= time);
    const rows = pick(reference, (row) => row.state === 'dead' || idle(row));
    for (const row of rows) deleteKey.run(row.key);
    return rows.map(toEntry);
  });

  const startWorker = ({ deliver, concurrency, log }: WorkerOptions): OutboxWorker => {
    const holder = randomUUID();
    const running = new Set<Promise<void>>();
    let stopped = false;

    const run = async (entry: OutboxEntry) => {
      const outcome = await attemptDelivery(entry, {
        deliver,
        log,
        leaseMs,
        // Closed meanwhile: as if the entry were lost, it must not be sent.
        markSending: async () => isOpen() && sending.run(now() + leaseMs, entry.key, holder).changes === 1,
        renew: () => {
          // A closed file (the store closed under a stuck delivery) renews nothing: the lease lapses, as after a crash.
          if (isOpen()) renew.run(now() + leaseMs, entry.key, holder);
        },
      });
      if (!isOpen()) return;
      const next = finish.immediate(entry, holder, outcome);
      if (next === undefined) log.warn('outbox entry was taken over by another worker before this one finished', { reference: entry.reference });
      else logOutcome(log, entry, outcome, next);
    };

    const tick = () => {
      if (!isOpen()) stopped = true;
      if (stopped || running.size >= concurrency) return;
      let claimed: OutboxEntry[];
      try {
        // A plain read first: an idle outbox never takes the write lock the visitors' requests need.
        if (anyDue.get(now(), now()) === undefined) return;
        claimed = claim.immediate(holder, concurrency - running.size);
      } catch (error) {
        log.warn('outbox could not read due entries', { reason: error instanceof Error ? error.message : String(error) });
        return;
      }
      for (const entry of claimed) {
        const delivery = run(entry)
          .catch((error: unknown) => log.error('outbox could not record an attempt', { reference: entry.reference, reason: String(error) }))
          .finally(() => running.delete(delivery));
        running.add(delivery);
      }
    };
    const timer = setInterval(tick, pollMs);
    timer.unref();
    tick();
    return {
      stop: async () => {
        stopped = true;
        clearInterval(timer);
        // After the store closed, a delivery still running can record nothing: it is not waited for.
        if (isOpen()) await Promise.all(running);
      },
    };
  };

  const row = (ticket: StagedTicket, fields: { staged: boolean; lastError: string; ambiguous: boolean; dueAt: number }) => ({
    key: ticket.key,
    reference: referenceOf(ticket.key),
    fingerprint: ticket.fingerprint,
    staged: fields.staged ? 1 : 0,
    body: JSON.stringify(ticket.body),
    redact: JSON.stringify(ticket.redact),
    files: JSON.stringify(ticket.files),
    last_error: fields.lastError,
    ambiguous: fields.ambiguous ? 1 : 0,
    next_attempt_at: fields.dueAt,
    created_at: now(),
  });

  const enqueue = (ticket: QueuedTicket) => {
    const time = now();
    const dueAt = time + retryDelay(1, ticket.ambiguous, backoff, random);
    const unstaged = unstage.run({ key: ticket.key, last_error: ticket.lastError, ambiguous: ticket.ambiguous ? 1 : 0, next_attempt_at: dueAt, now: time });
    if (unstaged.changes === 0) insert.run(row(ticket, { staged: false, lastError: ticket.lastError, ambiguous: ticket.ambiguous, dueAt }));
    return (byKey.get(ticket.key) as Row).reference;
  };

  return {
    // Ambiguous from the start: if the relay dies, nobody knows whether its attempt reached Socialboards.
    // A request's writes go into the file's group commit (the idempotency store's too), committed before they resolve.
    stage: async (ticket, holdMs) => {
      await file.write(() => insert.run(row(ticket, { staged: true, lastError: 'sending', ambiguous: true, dueAt: now() + holdMs })));
    },
    discard: async (key) => {
      await file.write(() => discard.run(key, now()));
    },
    enqueue: async (ticket) => file.write(() => enqueue(ticket)),
    startWorker,
    list: async () => all.all().map(toEntry),
    get: async (reference) => {
      const row = byName.get(reference, reference);
      return row === undefined ? undefined : toEntry(row);
    },
    replay: async (reference) => replay.immediate(reference),
    drop: async (reference) => drop.immediate(reference),
    counts: async () => {
      const found = Object.fromEntries(counts.all().map(({ state, count }) => [state, count]));
      return { queued: found.queued ?? 0, dead: found.dead ?? 0 };
    },
    heldFiles: async () => new Set(files.all().flatMap((row) => JSON.parse(row.files) as string[])),
    close: async () => {
      if (closed) return;
      closed = true;
      await closeDatabase(file);
    },
  };
}
