/**
 * Opens the relay's SQLite file (RELAY_STORE_PATH): created with its folder when missing, in WAL
 * mode, one connection per file and process shared by the stores in it, its writes committed in
 * groups, its checkpoints run by a thread of their own.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { groupCommit } from './group-commit';
import type { GroupCommit } from './group-commit';

/** A writer waits this long for another process's write lock before the call fails. */
const BUSY_TIMEOUT_MS = 5000;

/** How often the checkpoint thread copies the WAL back into the database. */
const CHECKPOINT_EVERY_MS = 1000;

/** SQLite's own default, put back on a file's connections if its checkpoint thread fails. */
const AUTOCHECKPOINT_PAGES = 1000;

/**
 * A WAL holding this many frames (32 MiB with 4 KiB pages) after a PASSIVE checkpoint is started
 * again from its beginning by a RESTART one (below). A WAL file is also cut back to this size
 * when it starts again (`journal_size_limit`), should a burst have grown it further.
 */
const RESTART_FRAMES = 8192;
const WAL_SIZE_LIMIT_BYTES = RESTART_FRAMES * 4096;

/**
 * How long a RESTART checkpoint waits for the write lock: it runs again a second later if it could
 * not get it, while the writers it waited for go on.
 */
const RESTART_WAIT_MS = 200;

/**
 * The checkpoint thread: its own connection to the file, a PASSIVE checkpoint every interval. A
 * PASSIVE checkpoint never waits for a lock, so it never holds up a request's write; what it could
 * not copy this time, the next one does.
 *
 * PASSIVE alone is not enough under steady load. A writer starts the WAL again from its beginning
 * only when it finds every frame copied back, and with commits every few milliseconds there are
 * always newer frames than the last checkpoint saw: the WAL grew without end (1.3 GB in 36 s of
 * `npm run bench:relay`, every commit extending the file, and reads slowing as its index grew). So
 * when a PASSIVE checkpoint leaves RESTART_FRAMES or more in the WAL, a RESTART checkpoint follows:
 * it holds the write lock while it copies what the PASSIVE one could not (a moment's commits) and
 * waits for readers to leave the WAL, after which the next commit writes from the WAL's start.
 * Writers wait for it as for any other writer (the busy timeout); it never waits more than
 * RESTART_WAIT_MS for them.
 */
const CHECKPOINTER = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
let failures = 0;
setInterval(() => {
  try {
    const [passive] = db.pragma('wal_checkpoint(PASSIVE)');
    if (passive !== undefined && passive.log >= workerData.restartFrames) {
      db.pragma('busy_timeout = ' + workerData.restartWaitMs);
      try {
        db.pragma('wal_checkpoint(RESTART)');
      } finally {
        db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
      }
    }
    failures = 0;
  } catch (error) {
    // Busy or locked: the next interval tries again. Failing for a minute on end (an I/O error, the
    // file replaced): the thread ends, and the connections checkpoint themselves again.
    if (++failures >= workerData.maxFailures) throw error;
  }
}, workerData.everyMs);
`;

/** Each file's checkpoint thread and the connections of this process that use it. */
const checkpointers = new Map<string, { worker: Worker; connections: Set<Database.Database> }>();

/** An open database file, as the stores use it: its connection, and its writes' group commit. */
export interface SqliteFile extends GroupCommit {
  readonly db: Database.Database;
}

/** The files open in this process, each with the number of stores using it. */
const files = new Map<string, { file: SqliteFile; users: number }>();

/**
 * Opens (or creates) the database at `path`, or shares the connection this process has open on it
 * already. WAL lets readers and one writer work at once, across processes on this machine;
 * `synchronous = NORMAL` makes each commit durable against a crash of the relay (SIGKILL included),
 * though not against a power cut of the last moments. Several stores may share one database: each
 * creates its own tables. One connection per file, not one per store: each connection's writes
 * would empty the other's page cache, and the stores' writes share their commits (`write`). Close
 * it with `closeDatabase`, once per `openDatabase`.
 *
 * A commit in WAL mode appends to the WAL without an fsync; the fsyncs come with checkpoints,
 * which SQLite otherwise runs inside whichever commit crosses 1000 pages: on the thread that
 * answers every request, stalling all of them for as long as the disk takes (up to hundreds of
 * milliseconds on a busy disk, `npm run bench:relay`). So this connection never checkpoints, and
 * one thread per file and process does it instead. Durability is the same: it depends on when
 * commits are synced, not on who copies them back. `restartFrames` (tests only) is the WAL's length
 * at which the checkpoint thread starts it again (CHECKPOINTER); it counts when the file is first opened.
 */
export function openDatabase(path: string, { restartFrames = RESTART_FRAMES }: { restartFrames?: number } = {}): SqliteFile {
  // `:memory:` is a new database on every connection: never shared.
  const file = path === ':memory:' ? undefined : resolve(path);
  const open = file === undefined ? undefined : files.get(file);
  if (open !== undefined) {
    open.users += 1;
    return open.file;
  }
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const opened: SqliteFile = { db, ...groupCommit(db) };
  if (file !== undefined) {
    checkpointElsewhere(db, file, restartFrames);
    files.set(file, { file: opened, users: 1 });
  }
  return opened;
}

/**
 * Lets go of a file `openDatabase` opened: its queued writes are committed first. Its connection
 * closes with its last user, and the file's checkpoint thread with its last connection.
 */
export async function closeDatabase({ db, flush }: SqliteFile): Promise<void> {
  if (db.open) flush();
  for (const [file, open] of files) {
    if (open.file.db !== db) continue;
    open.users -= 1;
    if (open.users > 0) return;
    files.delete(file);
  }
  for (const [file, checkpointer] of checkpointers) {
    if (!checkpointer.connections.delete(db) || checkpointer.connections.size > 0) continue;
    checkpointers.delete(file);
    await checkpointer.worker.terminate();
  }
  if (db.open) db.close();
}

function checkpointElsewhere(db: Database.Database, file: string, restartFrames: number): void {
  let checkpointer = checkpointers.get(file);
  if (checkpointer === undefined) {
    const worker = new Worker(CHECKPOINTER, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: file,
        busyTimeoutMs: BUSY_TIMEOUT_MS,
        everyMs: CHECKPOINT_EVERY_MS,
        maxFailures: Math.ceil(60_000 / CHECKPOINT_EVERY_MS),
        restartFrames,
        restartWaitMs: RESTART_WAIT_MS,
      },
    });
    // It must not keep the process alive: a relay exits when its server closes.
    worker.unref();
    const started = { worker, connections: new Set<Database.Database>() };
    // Without its thread the WAL would grow without end: SQLite checkpoints in the commits again.
    const fallBack = () => {
      if (checkpointers.get(file) !== started) return;
      checkpointers.delete(file);
      for (const connection of started.connections) if (connection.open) connection.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    };
    // An error ends the thread; `exit` also comes after `terminate()`, once the file's last connection closed.
    worker.once('error', fallBack);
    worker.once('exit', fallBack);
    checkpointers.set(file, started);
    checkpointer = started;
  }
  db.pragma('wal_autocheckpoint = 0');
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  checkpointer.connections.add(db);
}
