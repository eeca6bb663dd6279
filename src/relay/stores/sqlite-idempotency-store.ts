/**
 * The embedded idempotency store: one SQLite file (better-sqlite3), so keys survive a restart with
 * no set-up, and every relay process on this machine that opens the same file shares them.
 */
import { randomUUID } from 'node:crypto';
import type { IdempotencyStore, StoredResponse } from './idempotency-store';
import { DEFAULT_LEASE_MS } from './idempotency-store';
import * as entries from './key-entry';
import type { Change, Clock, KeyEntry } from './key-entry';
import { closeDatabase, openDatabase } from './sqlite-database';

export interface SqliteIdempotencyStoreOptions {
  /** The database file; its folder is created when missing. */
  path: string;
  /** How long a completed answer is replayed. */
  ttlMs: number;
  /** How long a lease lasts without renewal. */
  leaseMs?: number;
  now?: () => number;
  /** How often expired entries are deleted. */
  sweepEveryMs?: number;
}

interface Row {
  key: string;
  fingerprint: string;
  state: KeyEntry['state'];
  holder: string | null;
  lease_expires_at: number;
  sent: number;
  response: string | null;
  since: number;
  expires_at: number | null;
}

/**
 * `idempotency_keys_open` holds only what `listUnresolved` looks for: keys sent and not yet done. Its
 * predecessor (`_unsettled`, dropped here) held every key ever sent, done ones too, which `sent`
 * stays set on: each ticket's answer then added an entry at a random place in an index as large as
 * the table, one more page written per ticket (7.6 → 6.2 pages per ticket in the WAL).
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS idempotency_keys (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    holder TEXT,
    lease_expires_at INTEGER NOT NULL,
    sent INTEGER NOT NULL,
    response TEXT,
    since INTEGER NOT NULL,
    expires_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS idempotency_keys_expiry ON idempotency_keys (expires_at) WHERE expires_at IS NOT NULL;
  DROP INDEX IF EXISTS idempotency_keys_unsettled;
  CREATE INDEX IF NOT EXISTS idempotency_keys_open ON idempotency_keys (state, since) WHERE sent = 1 AND state IN ('held', 'unresolved');
`;

const toEntry = (row: Row): KeyEntry => ({
  fingerprint: row.fingerprint,
  state: row.state,
  holder: row.holder,
  leaseExpiresAt: row.lease_expires_at,
  sent: row.sent === 1,
  response: row.response === null ? null : (JSON.parse(row.response) as StoredResponse),
  since: row.since,
  expiresAt: row.expires_at,
});

const toRow = (key: string, entry: KeyEntry): Row => ({
  key,
  fingerprint: entry.fingerprint,
  state: entry.state,
  holder: entry.holder,
  lease_expires_at: entry.leaseExpiresAt,
  sent: entry.sent ? 1 : 0,
  response: entry.response === null ? null : JSON.stringify(entry.response),
  since: entry.since,
  expires_at: entry.expiresAt,
});

/** Opens the store on `path`, creating its table when missing, and starts sweeping expired keys. */
export function createSqliteIdempotencyStore({
  path,
  ttlMs,
  leaseMs = DEFAULT_LEASE_MS,
  now = Date.now,
  sweepEveryMs = 60_000,
}: SqliteIdempotencyStoreOptions): IdempotencyStore {
  const file = openDatabase(path);
  const { db } = file;
  db.exec(SCHEMA);
  const select = db.prepare<[string], Row>('SELECT * FROM idempotency_keys WHERE key = ?');
  const upsert = db.prepare<[Row]>(`
    INSERT OR REPLACE INTO idempotency_keys (key, fingerprint, state, holder, lease_expires_at, sent, response, since, expires_at)
    VALUES (@key, @fingerprint, @state, @holder, @lease_expires_at, @sent, @response, @since, @expires_at)`);
  const remove = db.prepare<[string]>('DELETE FROM idempotency_keys WHERE key = ?');
  const sweep = db.prepare<[number]>('DELETE FROM idempotency_keys WHERE expires_at IS NOT NULL AND expires_at <= ?');
  // Unresolved, or held by a holder whose lease lapsed after it began sending (entries.viewOf decides).
  // Its first line repeats the index's condition word for word: SQLite uses a partial index only
  // for a query whose WHERE contains each of the index's terms.
  const unsettled = db.prepare<[number, number], Row>(`
    SELECT * FROM idempotency_keys
    WHERE sent = 1 AND state IN ('held', 'unresolved')
      AND (state = 'unresolved' OR (state = 'held' AND lease_expires_at <= ?))
    ORDER BY CASE state WHEN 'held' THEN lease_expires_at ELSE since END LIMIT ?`);

  const clock = (): Clock => ({ now: now(), leaseMs, ttlMs });
  const read = (key: string) => {
    const row = select.get(key);
    return row === undefined ? undefined : toEntry(row);
  };

  /**
   * Reads, decides and writes in the file's next group transaction, an IMMEDIATE one: it takes the
   * database's write lock before reading, so another process cannot slip a write in between (it
   * waits, up to the busy timeout). Synchronous, so nothing else in this process runs in between
   * either; the promise settles once the change is committed.
   */
  const change = <T>(key: string, transition: (entry: KeyEntry | undefined, clock: Clock) => Change<T>) =>
    file.write(() => {
      const { result, next } = transition(read(key), clock());
      if (next === null) remove.run(key);
      else if (next !== undefined) upsert.run(toRow(key, next));
      return result;
    });

  const sweepNow = () => sweep.run(now());
  sweepNow();
  const sweeper = setInterval(sweepNow, sweepEveryMs);
  let closed = false;
  sweeper.unref();

  // Every method is async to fit the contract, and turns a thrown SQLite error into a rejection.
  return {
    reserve: async (key, fingerprint, options = {}) => {
      const request = { fingerprint, holder: randomUUID(), takeUnresolved: options.takeUnresolved ?? false };
      return change(key, (entry, time) => entries.reserve(entry, request, time));
    },
    lookup: async (key) => entries.viewOf(read(key), now()),
    renew: async (key, holder) => change(key, (entry, time) => entries.renew(entry, holder, time)),
    markSending: async (key, holder) => change(key, (entry, time) => entries.markSending(entry, holder, time)),
    complete: async (key, holder, response, options = {}) =>
      change(key, (entry, time) => entries.complete(entry, holder, response, time, options)),
    replaceAnswer: async (key, response) => change(key, (entry, time) => entries.replaceAnswer(entry, response, time)),
    release: async (key, holder, response) => change(key, (entry, time) => entries.release(entry, holder, response, time)),
    markUnresolved: async (key, holder) => change(key, (entry, time) => entries.markUnresolved(entry, holder, time)),
    listUnresolved: async (limit) => {
      const time = now();
      return unsettled.all(time, limit).flatMap((row) => entries.unresolvedKey(row.key, toEntry(row), time) ?? []);
    },
    settle: async (key, response) => change(key, (entry, time) => entries.settle(entry, response, time)),
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
      await closeDatabase(file);
    },
  };
}
