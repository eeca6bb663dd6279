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
 * A WAL holding this many frames (about 32 MiB with 4 KiB pages) after a PASSIVE checkpoint is
 * started again from its beginning with the help of a RESTART one (CHECKPOINTER).
 */
const RESTART_FRAMES = 8192;

/**
 * A WAL file longer than this when it starts again is cut back to it (`journal_size_limit`, set
 * on the connections that write): twice the restart length, so that a WAL restarted in the usual
 * way is never cut and grown again (growing the file is what made every commit costly), while one
 * a burst or an older relay grew is.
 */
const WAL_SIZE_LIMIT_BYTES = 2 * RESTART_FRAMES * (4096 + 24);

/** PASSIVE checkpoints run back to back, at most, to catch up with the commits before a RESTART. */
const CATCH_UP_PASSES = 3;

/** Catching up stops once a PASSIVE checkpoint found no more than this many new frames. */
const CATCH_UP_FRAMES = 256;

/**
 * How long a RESTART checkpoint waits for the write lock: it runs again at the next interval if it
 * could not get it, while the writers it waited for go on.
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
 * `npm run bench:relay`, every commit extending the file, and reads slowing as its index grew).
 * So when a PASSIVE checkpoint leaves RESTART_FRAMES or more in the WAL:
 * - a few more PASSIVE ones run back to back, each copying what was committed during the one
 *   before, until one finds few new frames (CATCH_UP_FRAMES; at most CATCH_UP_PASSES);
 * - then a RESTART one takes the write lock, copies what is left, syncs the WAL and the database
 *   file, and waits for readers to leave the WAL; the next commit writes from the WAL's start.
 * The RESTART is the one moment writers wait for the checkpoint thread: a request's commit waits
 * (on the event loop, as for another process's write) for the last few frames' copy and two
 * fsyncs, about once a second under a load this heavy, never under light load (where a PASSIVE
 * checkpoint catches up by itself between commits). It never waits more than RESTART_WAIT_MS for
 * the writers. Holding this process's commits back without blocking, while a last PASSIVE
 * checkpoint runs, would avoid that wait; it is not built (README's roadmap).
 */
const CHECKPOINTER = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
const passive = () => db.pragma('wal_checkpoint(PASSIVE)')[0];
let failures = 0;
setInterval(() => {
  try {
    let last = passive();
    if (last !== undefined && last.log >= workerData.restartFrames) {
      for (let pass = 0; pass < workerData.catchUpPasses; pass += 1) {
        const next = passive();
        // A WAL that started again meanwhile (or a smaller one) counts as caught up.
        const added = next.log - last.log;
        last = next;
        if (added <= workerData.catchUpFrames) break;
      }
      db.pragma('busy_timeout = ' + workerData.restartWaitMs);
      try {
        // Returns busy = 1 (no error) when it could not get the lock or readers stayed: next time.
        db.pragma('wal_checkpoint(RESTART)');
      } finally {
        db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
      }
    }
    failures = 0;
  } catch (error) {
    // Failing for a minute on end (an I/O error, the file replaced): the thread ends, and the
    // connections checkpoint themselves again.
    if (++failures >= workerData.maxFailures) throw error;
  }
}, workerData.everyMs);
`;

/** The checkpoint thread's interval and the WAL lengths it keeps to; tests make them small. */
export interface WalTuning {
  everyMs: number;
  restartFrames: number;
  walSizeLimitBytes: number;
}

const DEFAULT_TUNING: WalTuning = { everyMs: CHECKPOINT_EVERY_MS, restartFrames: RESTART_FRAMES, walSizeLimitBytes: WAL_SIZE_LIMIT_BYTES };

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
 * commits are synced, not on who copies them back. `tuning` (tests only) changes the checkpoint
 * thread's interval and the WAL's lengths (CHECKPOINTER); it counts when the file is first opened.
 */
export function openDatabase(path: string, tuning: Partial<WalTuning> = {}): SqliteFile {
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
    checkpointElsewhere(db, file, { ...DEFAULT_TUNING, ...tuning });
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

function checkpointElsewhere(db: Database.Database, file: string, { everyMs, restartFrames, walSizeLimitBytes }: WalTuning): void {
  let checkpointer = checkpointers.get(file);
  if (checkpointer === undefined) {
    const worker = new Worker(CHECKPOINTER, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: file,
        busyTimeoutMs: BUSY_TIMEOUT_MS,
        everyMs,
        maxFailures: Math.ceil(60_000 / everyMs),
        restartFrames,
        restartWaitMs: RESTART_WAIT_MS,
        catchUpPasses: CATCH_UP_PASSES,
        catchUpFrames: CATCH_UP_FRAMES,
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
  db.pragma(`journal_size_limit = ${walSizeLimitBytes}`);
  checkpointer.connections.add(db);
}
