/**
 * The outbox on Cloudflare Durable Objects: entries are spread over shard objects by their
 * Idempotency-Key, each shard keeping them in a table of its own SQLite storage, in the rows and
 * with the lease rules of the embedded outbox (sqlite-outbox.ts). A Durable Object runs one event
 * at a time and its SQL calls are synchronous, so each change (a claim, a compare-and-set on the
 * lease) is atomic. On Workers nothing runs between requests: a shard's alarm wakes it when its
 * next entry falls due, and it delivers the entry itself (`OutboxShard.alarm`).
 */
import type { CreateTicketBody } from '../../shared/create-ticket';
import type { Logger } from '../log';
import { askShard, shardOf } from '../stores/durable-idempotency-store';
import type { DurableObjectNamespaceLike, SqlStorage } from '../stores/durable-idempotency-store';
import { attemptDelivery, DEFAULT_BACKOFF, logOutcome, referenceOf, retryDelay } from './outbox-store';
import type { Backoff, Deliver, DeliveryOutcome, OutboxCounts, OutboxEntry, OutboxStore, OutboxWorker, QueuedTicket, StagedTicket } from './outbox-store';

/** The part of a Durable Object's state this outbox uses. */
export interface OutboxShardState {
  storage: { sql: SqlStorage; getAlarm(): Promise<number | null>; setAlarm(at: number): Promise<void> };
}

/** What a shard needs to deliver entries itself: the relay's delivery and its outbox settings. */
export interface ShardDelivery {
  deliver: Deliver;
  backoff: Backoff;
  leaseMs: number;
  /** Entries one alarm delivers at once (RELAY_OUTBOX_CONCURRENCY). */
  concurrency: number;
  log: Logger;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS outbox_entries (
    key TEXT PRIMARY KEY, reference TEXT NOT NULL UNIQUE, fingerprint TEXT NOT NULL, state TEXT NOT NULL,
    staged INTEGER NOT NULL, body TEXT NOT NULL, redact TEXT NOT NULL, files TEXT NOT NULL, last_error TEXT NOT NULL,
    ambiguous INTEGER NOT NULL, attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, created_at INTEGER NOT NULL,
    holder TEXT, lease_expires_at INTEGER NOT NULL
  ) WITHOUT ROWID`;

type Row = Record<string, string | number | null>;

const toEntry = (row: Row): OutboxEntry => ({
  key: String(row.key),
  reference: String(row.reference),
  fingerprint: String(row.fingerprint),
  state: row.state === 'dead' ? 'dead' : 'queued',
  staged: row.staged === 1,
  body: JSON.parse(String(row.body)) as CreateTicketBody,
  redact: JSON.parse(String(row.redact)) as string[],
  files: JSON.parse(String(row.files)) as string[],
  lastError: String(row.last_error),
  ambiguous: row.ambiguous === 1,
  attempts: Number(row.attempts),
  nextAttemptAt: Number(row.next_attempt_at),
  createdAt: Number(row.created_at),
});

/** What the Worker asks a shard: one operation, with the caller's clock and, where a delay is drawn, its jitter. */
type Call =
  | { op: 'stage'; ticket: StagedTicket; holdMs: number }
  | { op: 'discard'; key: string }
  | { op: 'enqueue'; ticket: QueuedTicket; backoff: Backoff; random: number }
  | { op: 'claim'; holder: string; limit: number; leaseMs: number }
  | { op: 'renew' | 'markSending'; key: string; holder: string; leaseMs: number }
  | { op: 'finish'; entry: OutboxEntry; holder: string; outcome: DeliveryOutcome; backoff: Backoff; random: number }
  | { op: 'list' | 'counts' | 'heldFiles' | 'nextDue' }
  | { op: 'get'; reference: string }
  | { op: 'replay' | 'drop'; reference: string };

/** One shard's entries: every operation of the contract on its own table, each atomic. */
class ShardTable {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(SCHEMA);
    sql.exec('CREATE INDEX IF NOT EXISTS outbox_entries_due ON outbox_entries (state, next_attempt_at)');
  }

  run(call: Call, now: number): unknown {
    switch (call.op) {
      case 'stage':
        // Ambiguous from the start: if the request's isolate dies, nobody knows whether its attempt reached Socialboards.
        this.#insert(call.ticket, { staged: true, lastError: 'sending', ambiguous: true, dueAt: now + call.holdMs }, now);
        return null;
      case 'discard':
        this.#sql.exec('DELETE FROM outbox_entries WHERE key = ? AND staged = 1 AND (holder IS NULL OR lease_expires_at <= ?)', call.key, now);
        return null;
      case 'enqueue': {
        const { ticket } = call;
        const dueAt = now + retryDelay(1, ticket.ambiguous, call.backoff, () => call.random);
        // The request's own staged entry, unless a worker took it (its request seemed dead).
        const unstaged = this.#sql.exec(
          'UPDATE outbox_entries SET staged = 0, last_error = ?, ambiguous = ?, next_attempt_at = ? WHERE key = ? AND staged = 1 AND (holder IS NULL OR lease_expires_at <= ?)',
          ticket.lastError,
          ticket.ambiguous ? 1 : 0,
          dueAt,
          ticket.key,
          now,
        ).rowsWritten;
        if (unstaged === 0) this.#insert(ticket, { staged: false, lastError: ticket.lastError, ambiguous: ticket.ambiguous, dueAt }, now);
        return referenceOf(ticket.key);
      }
      case 'claim':
        return this.claim(call.holder, call.limit, now, call.leaseMs);
      case 'renew':
        return this.#sql.exec("UPDATE outbox_entries SET lease_expires_at = ? WHERE key = ? AND holder = ? AND state = 'queued'", now + call.leaseMs, call.key, call.holder)
          .rowsWritten === 1;
      case 'markSending':
        return this.markSending(call.key, call.holder, now + call.leaseMs);
      case 'finish':
        return this.finish(call.entry, call.holder, call.outcome, now, call.backoff, call.random) ?? null;
      case 'list':
        return this.#rows('SELECT * FROM outbox_entries ORDER BY state DESC, next_attempt_at, created_at').map(toEntry);
      case 'get':
        return this.#byName(call.reference).map(toEntry)[0] ?? null;
      case 'replay': {
        const rows = this.#pick(call.reference, (row) => row.state === 'dead');
        for (const row of rows) {
          this.#sql.exec("UPDATE outbox_entries SET state = 'queued', attempts = 0, next_attempt_at = ?, holder = NULL, lease_expires_at = 0 WHERE key = ?", now, String(row.key));
        }
        return rows.map((row) => toEntry({ ...row, state: 'queued', attempts: 0, next_attempt_at: now }));
      }
      case 'drop': {
        // A queued entry a worker holds right now is left to it: dropping it could not stop a send in progress.
        const idle = (row: Row) => (row.holder === null || Number(row.lease_expires_at) <= now) && (row.staged === 0 || Number(row.next_attempt_at) <= now);
        const rows = this.#pick(call.reference, (row) => row.state === 'dead' || idle(row));
        for (const row of rows) this.#sql.exec('DELETE FROM outbox_entries WHERE key = ?', String(row.key));
        return rows.map(toEntry);
      }
      case 'counts': {
        const found = Object.fromEntries(this.#rows('SELECT state, COUNT(*) AS count FROM outbox_entries GROUP BY state').map((row) => [row.state, Number(row.count)]));
        return { queued: found.queued ?? 0, dead: found.dead ?? 0 } satisfies OutboxCounts;
      }
      case 'nextDue': {
        const [row] = this.#rows(
          "SELECT MIN(next_attempt_at) AS at FROM outbox_entries WHERE state = 'queued' AND next_attempt_at <= ? AND (holder IS NULL OR lease_expires_at <= ?)",
          now,
          now,
        );
        return row?.at ?? null;
      }
      case 'heldFiles':
        return this.#rows("SELECT files FROM outbox_entries WHERE files <> '[]'").flatMap((row) => JSON.parse(String(row.files)) as string[]);
    }
  }

  /** Takes up to `limit` due entries nobody holds (or whose holder's lease lapsed); a staged one becomes the taker's. */
  claim(holder: string, limit: number, now: number, leaseMs: number): OutboxEntry[] {
    const rows = this.#rows(
      "SELECT * FROM outbox_entries WHERE state = 'queued' AND next_attempt_at <= ? AND (holder IS NULL OR lease_expires_at <= ?) ORDER BY next_attempt_at, created_at LIMIT ?",
      now,
      now,
      limit,
    );
    for (const row of rows) this.#sql.exec('UPDATE outbox_entries SET holder = ?, lease_expires_at = ?, staged = 0 WHERE key = ?', holder, now + leaseMs, String(row.key));
    return rows.map((row) => toEntry({ ...row, staged: 0 }));
  }

  markSending(key: string, holder: string, leaseExpiresAt: number): boolean {
    return this.#sql.exec("UPDATE outbox_entries SET ambiguous = 1, lease_expires_at = ? WHERE key = ? AND holder = ? AND state = 'queued'", leaseExpiresAt, key, holder)
      .rowsWritten === 1;
  }

  /** Records an attempt's outcome, if `holder` still holds the entry; returns what became of it. */
  finish(entry: OutboxEntry, holder: string, outcome: DeliveryOutcome, now: number, backoff: Backoff, random: number) {
    if (outcome.outcome === 'delivered') {
      return this.#sql.exec('DELETE FROM outbox_entries WHERE key = ? AND holder = ?', entry.key, holder).rowsWritten === 1 ? { state: 'delivered' as const } : undefined;
    }
    const attempts = entry.attempts + 1;
    const isDead = outcome.outcome === 'refused' || attempts >= backoff.maxAttempts;
    const at = isDead ? now : now + retryDelay(attempts + 1, outcome.outcome === 'retry' && outcome.ambiguous, backoff, () => random);
    // A refusal says nothing about an earlier ambiguous attempt: that one may still have created it.
    const ambiguous = outcome.outcome === 'retry' ? outcome.ambiguous : entry.ambiguous;
    const changed = this.#sql.exec(
      'UPDATE outbox_entries SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, ambiguous = ?, holder = NULL, lease_expires_at = 0 WHERE key = ? AND holder = ?',
      isDead ? 'dead' : 'queued',
      attempts,
      at,
      outcome.reason,
      ambiguous ? 1 : 0,
      entry.key,
      holder,
    ).rowsWritten;
    return changed === 1 ? { state: isDead ? ('dead' as const) : ('queued' as const), at } : undefined;
  }

  /** When the shard next has work: the earliest due time of a queued entry, or the lapse of a lease held on one. */
  nextWake(): number | undefined {
    const [row] = this.#rows(
      "SELECT MIN(CASE WHEN holder IS NOT NULL AND lease_expires_at > next_attempt_at THEN lease_expires_at ELSE next_attempt_at END) AS at FROM outbox_entries WHERE state = 'queued'",
    );
    return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
  }

  #insert(ticket: StagedTicket, fields: { staged: boolean; lastError: string; ambiguous: boolean; dueAt: number }, now: number): void {
    this.#sql.exec(
      `INSERT OR IGNORE INTO outbox_entries
        (key, reference, fingerprint, state, staged, body, redact, files, last_error, ambiguous, attempts, next_attempt_at, created_at, holder, lease_expires_at)
       VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, 0, ?, ?, NULL, 0)`,
      ticket.key,
      referenceOf(ticket.key),
      ticket.fingerprint,
      fields.staged ? 1 : 0,
      JSON.stringify(ticket.body),
      JSON.stringify(ticket.redact),
      JSON.stringify(ticket.files),
      fields.lastError,
      fields.ambiguous ? 1 : 0,
      fields.dueAt,
      now,
    );
  }

  #rows(query: string, ...bindings: (string | number | null)[]): Row[] {
    return this.#sql.exec(query, ...bindings).toArray();
  }

  #byName(reference: string): Row[] {
    return this.#rows('SELECT * FROM outbox_entries WHERE reference = ? OR key = ?', reference, reference);
  }

  #pick(reference: string, only: (row: Row) => boolean): Row[] {
    return reference === 'all' ? this.#rows("SELECT * FROM outbox_entries WHERE state = 'dead' ORDER BY next_attempt_at") : this.#byName(reference).filter(only);
  }
}

/** A Durable Object class for the `OUTBOX` binding, as the Worker exports it (its type, for declarations). */
export interface OutboxShardClass<Env> {
  new (state: OutboxShardState, env: Env): { fetch(request: Request): Promise<Response>; alarm(): Promise<void> };
}

/**
 * Makes the Durable Object class of one outbox shard. `deliveryFor` gives what the shard's alarm
 * delivers with (the Worker builds its relay from the bindings); a shard whose callers ask for no
 * alarm (`wake: false`: tests that run a worker themselves) never sets one.
 */
export function outboxShardClass<Env>(deliveryFor: (env: Env) => Promise<ShardDelivery>): OutboxShardClass<Env> {
  return class OutboxShard {
    readonly #state: OutboxShardState;
    readonly #env: Env;
    readonly #table: ShardTable;

    constructor(state: OutboxShardState, env: Env) {
      this.#state = state;
      this.#env = env;
      this.#table = new ShardTable(state.storage.sql);
      state.storage.sql.exec('CREATE TABLE IF NOT EXISTS outbox_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
    }

    async fetch(request: Request): Promise<Response> {
      const { call, now, wake } = (await request.json()) as { call: Call; now: number; wake: boolean };
      const result = this.#table.run(call, now);
      if (wake) {
        this.#state.storage.sql.exec("INSERT OR REPLACE INTO outbox_settings (name, value) VALUES ('wake', '1')");
        await this.#wake();
      }
      return Response.json({ result });
    }

    /** Delivers what is due, as a worker of the Node relay would, then sleeps until the next entry falls due. */
    async alarm(): Promise<void> {
      const { deliver, backoff, leaseMs, concurrency, log } = await deliveryFor(this.#env);
      const holder = crypto.randomUUID();
      for (let claimed = this.#table.claim(holder, concurrency, Date.now(), leaseMs); claimed.length > 0; claimed = this.#table.claim(holder, concurrency, Date.now(), leaseMs)) {
        await Promise.all(claimed.map((entry) => this.#deliverOne(entry, holder, { deliver, backoff, leaseMs, log })));
      }
      await this.#wake({ replace: true });
    }

    async #deliverOne(entry: OutboxEntry, holder: string, { deliver, backoff, leaseMs, log }: Omit<ShardDelivery, 'concurrency'>): Promise<void> {
      const outcome = await attemptDelivery(entry, {
        deliver,
        log,
        leaseMs,
        markSending: async () => this.#table.markSending(entry.key, holder, Date.now() + leaseMs),
        renew: () => this.#table.run({ op: 'renew', key: entry.key, holder, leaseMs }, Date.now()),
      });
      const next = this.#table.finish(entry, holder, outcome, Date.now(), backoff, Math.random());
      if (next === undefined) log.warn('outbox entry was taken over by another worker before this one finished', { reference: entry.reference });
      else logOutcome(log, entry, outcome, next);
    }

    /** Sets the alarm for the next entry due, unless one is set sooner (`replace`: after an alarm, whatever is set). */
    async #wake({ replace = false } = {}): Promise<void> {
      const [setting] = this.#state.storage.sql.exec("SELECT value FROM outbox_settings WHERE name = 'wake'").toArray();
      const at = this.#table.nextWake();
      if (setting === undefined || at === undefined) return;
      const current = await this.#state.storage.getAlarm();
      if (replace || current === null || at < current) await this.#state.storage.setAlarm(at);
    }
  };
}

export interface DurableOutboxOptions {
  backoff?: Backoff;
  /** How long a worker's claim on an entry outlives its last renewal. */
  leaseMs: number;
  /** How often `startWorker` looks for due entries (the shards' alarms need no polling). */
  pollMs: number;
  /** Shards set alarms and deliver due entries themselves (the Worker); off, only `startWorker` delivers. */
  wake: boolean;
  now?: () => number;
  random?: () => number;
  /** How many shard objects entries are spread over. */
  shards?: number;
  /** Put before each shard's name: relays with different prefixes share a namespace without sharing entries. */
  prefix?: string;
}

/** How many shard objects entries are spread over: each handles its requests one at a time. */
export const DEFAULT_OUTBOX_SHARDS = 8;

/** The outbox as a Worker (or a test in Node) sees it: each call goes to the shard that owns the key. */
export function createDurableOutbox(
  namespace: DurableObjectNamespaceLike,
  { backoff = DEFAULT_BACKOFF, leaseMs, pollMs, wake, now = Date.now, random = Math.random, shards = DEFAULT_OUTBOX_SHARDS, prefix = '' }: DurableOutboxOptions,
): OutboxStore {
  const callShard = async <T>(shard: number, call: Call): Promise<T> =>
    (await askShard<{ result: T }>(namespace, `${prefix}outbox-${shard}`, { call, now: now(), wake })).result;
  const all = <T>(call: Call) => Promise.all(Array.from({ length: shards }, (_, shard) => callShard<T>(shard, call)));
  const byKey = <T>(key: string, call: Call) => callShard<T>(shardOf(key, shards), call);
  let open = true;

  const startWorker: OutboxStore['startWorker'] = ({ deliver, concurrency, log }): OutboxWorker => {
    const holder = crypto.randomUUID();
    const running = new Set<Promise<void>>();
    let stopped = false;
    let polling = false;

    const run = async (entry: OutboxEntry) => {
      const outcome = await attemptDelivery(entry, {
        deliver,
        log,
        leaseMs,
        markSending: () => byKey<boolean>(entry.key, { op: 'markSending', key: entry.key, holder, leaseMs }),
        renew: () => {
          if (!open) return;
          byKey(entry.key, { op: 'renew', key: entry.key, holder, leaseMs }).catch((error: unknown) =>
            log.warn('outbox lease could not be renewed', { reference: entry.reference, reason: String(error) }),
          );
        },
      });
      // A closed store (a crash, in the tests) records nothing: the lease lapses and another worker takes over.
      if (!open) return;
      const next = await byKey<NonNullable<ReturnType<ShardTable['finish']>> | null>(entry.key, { op: 'finish', entry, holder, outcome, backoff, random: random() });
      if (next === null) log.warn('outbox entry was taken over by another worker before this one finished', { reference: entry.reference });
      else logOutcome(log, entry, outcome, next);
    };

    const tick = async () => {
      if (!open) stopped = true;
      if (stopped || polling || running.size >= concurrency) return;
      polling = true;
      try {
        // The shards with due entries, the one whose entry fell due first first: entries are taken in the order they fell due.
        const due = (await all<number | null>({ op: 'nextDue' }))
          .map((at, shard) => ({ at, shard }))
          .filter((shard): shard is { at: number; shard: number } => shard.at !== null)
          .sort((a, b) => a.at - b.at);
        for (const { shard } of due) {
          if (running.size >= concurrency || stopped) break;
          const claimed = await callShard<OutboxEntry[]>(shard, { op: 'claim', holder, limit: concurrency - running.size, leaseMs });
          for (const entry of claimed) {
            const delivery = run(entry)
              .catch((error: unknown) => log.error('outbox could not record an attempt', { reference: entry.reference, reason: String(error) }))
              .finally(() => running.delete(delivery));
            running.add(delivery);
          }
        }
      } catch (error) {
        log.warn('outbox could not read due entries', { reason: error instanceof Error ? error.message : String(error) });
      } finally {
        polling = false;
      }
    };
    const timer = setInterval(() => void tick(), pollMs);
    void tick();
    return {
      stop: async () => {
        stopped = true;
        clearInterval(timer);
        if (open) await Promise.all(running);
      },
    };
  };

  return {
    stage: (ticket, holdMs) => byKey(ticket.key, { op: 'stage', ticket, holdMs }),
    discard: (key) => byKey(key, { op: 'discard', key }),
    enqueue: (ticket) => byKey<string>(ticket.key, { op: 'enqueue', ticket, backoff, random: random() }),
    startWorker,
    list: async () => {
      const entries = (await all<OutboxEntry[]>({ op: 'list' })).flat();
      const queued = entries.filter((entry) => entry.state === 'queued').sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt);
      const dead = entries.filter((entry) => entry.state === 'dead').sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt);
      return [...queued, ...dead];
    },
    // A reference does not say its key (it is one-way), so every shard is asked.
    get: async (reference) => (await all<OutboxEntry | null>({ op: 'get', reference })).find((entry) => entry !== null) ?? undefined,
    replay: async (reference) => (await all<OutboxEntry[]>({ op: 'replay', reference })).flat(),
    drop: async (reference) => (await all<OutboxEntry[]>({ op: 'drop', reference })).flat(),
    counts: async () =>
      (await all<OutboxCounts>({ op: 'counts' })).reduce((sum, counts) => ({ queued: sum.queued + counts.queued, dead: sum.dead + counts.dead }), { queued: 0, dead: 0 }),
    heldFiles: async () => new Set((await all<string[]>({ op: 'heldFiles' })).flat()),
    close: async () => {
      open = false;
    },
  };
}
