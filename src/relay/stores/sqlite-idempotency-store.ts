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
import type Database from 'better-sqlite3';

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
 * The keys live in a rowid table, in the order they were first reserved, found by `key` through its
 * unique index; a key's later changes are UPDATEs in place. So a ticket's first write adds its key at
 * a random place in the index and its row at the table's end, and its two later writes (its mark as
 * sending, its answer) change that row near the end, where the other tickets in flight have theirs:
 * a batch's writes share the same few pages. The table was `WITHOUT ROWID`, keyed by `key`, until the
 * ninth round: each of a ticket's three commits then rewrote a page at a random place in a table of
 * every key kept, 4.7 WAL pages a ticket against 2.3 now, and about 68 µs of statements and commit
 * against 41 (a scratch replay over 200 000 keys). A file of the old layout is rebuilt when opened
 * (`migrate`); the columns and their meaning are the same, so relays of either version can share it
 * once it is rebuilt (an old relay's `INSERT OR REPLACE` moves a key's row to the end: no harm).
 *
 * `idempotency_keys_open` holds only what `listUnresolved` looks for: keys sent and not yet done. Its
 * predecessor (`_unsettled`, dropped here) held every key ever sent, done ones too, which `sent`
 * stays set on: each ticket's answer then added an entry at a random place in an index as large as
 * the table, one more page written per ticket (7.6 → 6.2 pages per ticket in the WAL).
 */
const COLUMNS = `
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    holder TEXT,
    lease_expires_at INTEGER NOT NULL,
    sent INTEGER NOT NULL,
    response TEXT,
    since INTEGER NOT NULL,
    expires_at INTEGER`;
const NAMES = 'key, fingerprint, state, holder, lease_expires_at, sent, response, since, expires_at';
const TABLE = `CREATE TABLE IF NOT EXISTS idempotency_keys (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, ${COLUMNS})`;
const INDEXES = `
  CREATE INDEX IF NOT EXISTS idempotency_keys_expiry ON idempotency_keys (expires_at) WHERE expires_at IS NOT NULL;
  DROP INDEX IF EXISTS idempotency_keys_unsettled;
  CREATE INDEX IF NOT EXISTS idempotency_keys_open ON idempotency_keys (state, since) WHERE sent = 1 AND state IN ('held', 'unresolved');
`;

/**
 * How long opening a file waits for another process's rebuild of the old layout (the file's usual
 * busy timeout is 5 s): the copy took 1.6 s for 300 000 keys and 4.7 s for a million here.
 */
const REBUILD_WAIT_MS = 120_000;

/**
 * Creates the table, or rebuilds one of the old `WITHOUT ROWID` layout in the new, in one IMMEDIATE
 * transaction: a crash leaves the old layout whole, and of several processes opening the file at
 * once one rebuilds it while the others wait (up to REBUILD_WAIT_MS) and find it done. SQLite's own
 * order for a table's new layout: the new table made and filled, the old dropped (its indexes with
 * it), the new renamed to the old's name. Old keys are copied in key order (the order of the old
 * table), since none records when it was reserved; only new keys follow in reservation order. While
 * it copies, relays of the previous version on the same file wait for the write lock, at most their
 * busy timeout (5 s) and then fail that commit: with many keys kept, stop them first (README,
 * "Scaling out").
 */
function migrate(db: Database.Database): void {
  const wait = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma(`busy_timeout = ${REBUILD_WAIT_MS}`);
  try {
    db.transaction(() => {
      const table = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'idempotency_keys'").get();
      if (table !== undefined && /WITHOUT\s+ROWID/i.test(table.sql)) {
        db.exec(`
          ${TABLE.replace('idempotency_keys', 'idempotency_keys_rebuilt')};
          INSERT INTO idempotency_keys_rebuilt (${NAMES}) SELECT ${NAMES} FROM idempotency_keys;
          DROP TABLE idempotency_keys;
          ALTER TABLE idempotency_keys_rebuilt RENAME TO idempotency_keys;`);
      } else db.exec(TABLE);
      db.exec(INDEXES);
    }).immediate();
  } finally {
    db.pragma(`busy_timeout = ${wait}`);
  }
}

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
  migrate(db);
  const select = db.prepare<[string], Row>(`SELECT ${NAMES} FROM idempotency_keys WHERE key = ?`);
  const insert = db.prepare<[Row]>(`
    INSERT INTO idempotency_keys (${NAMES})
    VALUES (@key, @fingerprint, @state, @holder, @lease_expires_at, @sent, @response, @since, @expires_at)`);
  // In place: the row keeps its id, and so its page near the table's end.
  const update = db.prepare<[Row]>(`
    UPDATE idempotency_keys SET fingerprint = @fingerprint, state = @state, holder = @holder, lease_expires_at = @lease_expires_at,
      sent = @sent, response = @response, since = @since, expires_at = @expires_at
    WHERE key = @key`);
  const remove = db.prepare<[string]>('DELETE FROM idempotency_keys WHERE key = ?');
  const sweep = db.prepare<[number]>('DELETE FROM idempotency_keys WHERE expires_at IS NOT NULL AND expires_at <= ?');
  // Unresolved, or held by a holder whose lease lapsed after it began sending (entries.viewOf decides).
  // Its first line repeats the index's condition word for word: SQLite uses a partial index only
  // for a query whose WHERE contains each of the index's terms.
  const unsettled = db.prepare<[number, number], Row>(`
    SELECT ${NAMES} FROM idempotency_keys
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
      const entry = read(key);
      const { result, next } = transition(entry, clock());
      if (next === null) remove.run(key);
      else if (next !== undefined) (entry === undefined ? insert : update).run(toRow(key, next));
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
