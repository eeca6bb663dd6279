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

  /** Runs the batch in one transaction; throws (having rolled back) when it cannot be committed. */
  const run = (batch: readonly Queued[]): Outcome[] => {
    const outcomes: Outcome[] = [];
    begin.run();
    try {
      for (const { work } of batch) {
        // A batch of one needs no savepoint: its failure rolls the transaction back.
        if (batch.length === 1) return [{ ok: true, value: work() }];
        savepoint.run();
        try {
          outcomes.push({ ok: true, value: work() });
        } catch (error) {
          // Some errors (a full disk, an I/O error) end the whole transaction: then the batch fails.
          if (!db.inTransaction) throw error;
          undo.run();
          outcomes.push({ ok: false, error });
        }
        release.run();
      }
      return outcomes;
    } catch (error) {
      if (db.inTransaction) rollback.run();
      throw error;
    } finally {
      if (db.inTransaction) commit.run();
    }
  };

  const flush = () => {
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = run(batch);
    } catch (error) {
      // Nothing of the batch was written (a failed COMMIT rolls back, as SQLite leaves it open on SQLITE_BUSY).
      if (db.inTransaction) rollback.run();
      for (const { reject } of batch) reject(error);
      return;
    }
    batch.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) resolve(outcome.value);
      else reject(outcome.error);
    });
  };

  return {
    write: <T>(work: () => T) =>
      new Promise<T>((resolve, reject) => {
        if (queue.length === 0) setImmediate(flush);
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      }),
    flush,
  };
}
