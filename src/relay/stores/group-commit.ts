/**
 * Group commit for one SQLite connection: the writes asked for within one turn of the event loop
 * run in one IMMEDIATE transaction, each under a savepoint of its own, and each caller hears back
 * only after that transaction's COMMIT.
 */
import { setImmediate } from 'node:timers';
import type Database from 'better-sqlite3';

/** Writes that share their commits. */
export interface GroupCommit {
  /**
   * Runs `work` (synchronous reads and writes on the connection) in the next group transaction,
   * which takes the database's write lock before the first of them runs: as atomic against other
   * processes as a transaction of its own, and against the batch's other writes too (they run one
   * after another, and a write that throws is rolled back alone). Resolves with what `work`
   * returned once it is committed; rejects with what it threw, or with the error of a transaction
   * that could not begin or commit (then nothing of the batch was written).
   */
  write<T>(work: () => T): Promise<T>;
  /** Commits what is queued now, without waiting for the turn to end (before the connection closes). */
  flush(): void;
}

interface Queued {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Queues writes on `db` and commits them together at the end of the turn (`setImmediate`, taken from
 * `node:timers` so that a test's fake timers do not hold the commits back). A commit in WAL mode
 * writes each changed page once however many writes changed it, so a batch costs little more than
 * its largest write; and nobody is answered before what they wrote is committed, so durability is
 * that of one transaction per write.
 */
export function groupCommit(db: Database.Database): GroupCommit {
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const savepoint = db.prepare('SAVEPOINT group_write');
  const release = db.prepare('RELEASE group_write');
  const undo = db.prepare('ROLLBACK TO group_write');
  let queue: Queued[] = [];
  /** While a batch runs: a write or flush asked for from inside `work` would escape its transaction. */
  let running = false;
  /** Why the connection can take no more batches: a transaction that could be neither committed nor rolled back. */
  let broken: unknown;

  /** Runs one `work`, which must be synchronous: what it did after an `await` would run outside the transaction. */
  const perform = (work: () => unknown) => {
    const value = work();
    if (typeof (value as { then?: unknown } | null)?.then === 'function') {
      throw new TypeError('group commit: a write must be synchronous, and returned a promise');
    }
    return value;
  };

  /**
   * Runs the batch in one transaction and commits it; throws when it cannot be committed, with
   * the transaction rolled back, so that nothing of the batch is written.
   */
  const run = (batch: readonly Queued[]): Outcome[] => {
    begin.run();
    try {
      const outcomes: Outcome[] = [];
      // A batch of one needs no savepoint: its failure rolls the transaction back.
      if (batch.length === 1) outcomes.push({ ok: true, value: perform(batch[0]!.work) });
      else {
        for (const { work } of batch) {
          savepoint.run();
          try {
            outcomes.push({ ok: true, value: perform(work) });
          } catch (error) {
            // Some errors (a full disk, an I/O error) end the whole transaction: then the batch fails.
            if (!db.inTransaction) throw error;
            undo.run();
            outcomes.push({ ok: false, error });
          }
          release.run();
        }
      }
      // Committed only here, after every write ran: a failure anywhere above rolls back instead.
      commit.run();
      return outcomes;
    } catch (error) {
      if (db.inTransaction) {
        try {
          rollback.run();
        } catch (rollbackError) {
          // Neither committed nor rolled back, the transaction would hold the file's write lock
          // against every other process: the connection takes no more batches.
          broken = rollbackError;
        }
      }
      throw error;
    }
  };

  const flush = () => {
    if (running) throw new Error('group commit: flush() from inside a write would leave its transaction');
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[] | undefined;
    let failure: unknown;
    running = true;
    try {
      if (broken !== undefined) throw broken;
      outcomes = run(batch);
    } catch (error) {
      failure = error;
    } finally {
      running = false;
    }
    // Every caller hears back, with its own outcome or the batch's failure (nothing of it written).
    batch.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes?.[i];
      if (outcome === undefined) reject(failure);
      else if (outcome.ok) resolve(outcome.value);
      else reject(outcome.error);
    });
  };

  return {
    write<T>(work: () => T) {
      // Thrown, so that the write asking fails (and is undone): queued, this one would go into the
      // next batch, not atomic with its caller.
      if (running) throw new Error('group commit: write() from inside a write would leave its transaction');
      return new Promise<T>((resolve, reject) => {
        if (queue.length === 0) setImmediate(flush);
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      });
    },
    flush,
  };
}
