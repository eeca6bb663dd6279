/** Opens the relay's SQLite file (RELAY_STORE_PATH): created with its folder when missing, in WAL mode. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** A writer waits this long for another process's write lock before the call fails. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (or creates) the database at `path`. WAL lets readers and one writer work at once, across
 * processes on this machine; `synchronous = NORMAL` makes each commit durable against a crash of
 * the relay (SIGKILL included), though not against a power cut of the last moments. Several
 * stores may share one database: each creates its own tables.
 */
export function openDatabase(path: string): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}
