/** The SQLite group commit: writes of one turn share a transaction, and nobody hears back before it is committed. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupCommit } from '../../../src/relay/stores/group-commit';
import { closeDatabase, openDatabase } from '../../../src/relay/stores/sqlite-database';

let dir: string;
let path: string;
let writer: Database.Database;
/** Another connection to the file: it sees only what was committed. */
let reader: Database.Database;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-group-commit-'));
  path = join(dir, 'relay.db');
  writer = new Database(path, { timeout: 50 });
  writer.pragma('journal_mode = WAL');
  writer.exec('CREATE TABLE rows (id TEXT PRIMARY KEY)');
  reader = new Database(path, { timeout: 50 });
});
afterEach(async () => {
  writer.close();
  reader.close();
  await rm(dir, { recursive: true, force: true });
});

const committed = () => reader.prepare<[], { id: string }>('SELECT id FROM rows ORDER BY id').all().map(({ id }) => id);

/**
 * Three writes in one turn, inserting `a`, running `middle` and inserting `c`: the middle one fails
 * with `reason` and is undone alone, while the other two are committed.
 */
async function expectMiddleUndone(middle: (insert: Database.Statement<[string]>) => unknown, reason: RegExp): Promise<void> {
  const { write } = groupCommit(writer);
  const insert = writer.prepare<[string]>('INSERT INTO rows (id) VALUES (?)');
  const results = await Promise.allSettled([write(() => insert.run('a')), write(() => middle(insert)), write(() => insert.run('c'))]);
  expect(results.map(({ status }) => status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(reason);
  expect(committed()).toEqual(['a', 'c']);
}

describe('group commit', () => {
  it('runs the writes asked for in one turn in one transaction, and resolves them once it is committed', async () => {
    const { write } = groupCommit(writer);
    const insert = writer.prepare<[string]>('INSERT INTO rows (id) VALUES (?)');
    const seenBySecond: string[][] = [];
    const first = write(() => insert.run('a').changes);
    const second = write(() => {
      insert.run('b');
      // The first write is done in this transaction, and not yet committed.
      seenBySecond.push(committed());
      return writer.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM rows').get()?.n;
    });
    expect(committed()).toEqual([]);
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(seenBySecond).toEqual([[]]);
    expect(committed()).toEqual(['a', 'b']);
  });

  it('rolls back a write that throws alone, and commits the others of its turn', async () => {
    await expectMiddleUndone((insert) => {
      insert.run('half');
      insert.run('a');
    }, /UNIQUE/);
  });

  it('rejects every write of a turn, writing none, when another process holds the write lock past the busy timeout', async () => {
    const { write } = groupCommit(writer);
    const insert = writer.prepare<[string]>('INSERT INTO rows (id) VALUES (?)');
    reader.exec('BEGIN IMMEDIATE');
    const results = await Promise.allSettled([write(() => insert.run('a')), write(() => insert.run('b'))]);
    reader.exec('ROLLBACK');
    expect(results.map((result) => (result.status === 'rejected' ? (result.reason as { code?: string }).code : 'fulfilled'))).toEqual(['SQLITE_BUSY', 'SQLITE_BUSY']);
    expect(writer.inTransaction).toBe(false);
    expect(committed()).toEqual([]);
    // The next turn writes again.
    await write(() => insert.run('c'));
    expect(committed()).toEqual(['c']);
  });

  it('refuses a write that returns a promise (what it did after an await would escape the transaction), undoing it alone', async () => {
    await expectMiddleUndone(async (insert) => {
      insert.run('async');
    }, /synchronous/);
  });

  it('fails a write that asks for another write or a flush from inside it, and undoes it', async () => {
    const commits = groupCommit(writer);
    const insert = writer.prepare<[string]>('INSERT INTO rows (id) VALUES (?)');
    const results = await Promise.allSettled([
      commits.write(() => insert.run('a')),
      commits.write(() => {
        insert.run('nested');
        void commits.write(() => insert.run('inner'));
      }),
      commits.write(() => {
        insert.run('flushed');
        commits.flush();
      }),
    ]);
    expect(results.map(({ status }) => status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/write\(\) from inside a write/);
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/flush\(\) from inside a write/);
    expect(writer.inTransaction).toBe(false);
    expect(committed()).toEqual(['a']);
  });

  it('rejects every write of a batch it could neither commit nor roll back, and takes no more batches on that connection', async () => {
    const { write } = groupCommit(writer);
    const insert = writer.prepare<[string]>('INSERT INTO rows (id) VALUES (?)');
    const select = writer.prepare<[], { id: string }>('SELECT id FROM rows');
    // A statement still being read keeps the connection busy: SQLite can then neither COMMIT nor ROLLBACK.
    let open: IterableIterator<{ id: string }> | undefined;
    const results = await Promise.allSettled([
      write(() => insert.run('a')),
      write(() => {
        open = select.iterate();
        return open.next().value;
      }),
    ]);
    expect(results.map(({ status }) => status)).toEqual(['rejected', 'rejected']);
    expect(committed()).toEqual([]);
    await expect(write(() => insert.run('b'))).rejects.toThrow();
    open?.return?.();
    writer.exec('ROLLBACK');
    expect(committed()).toEqual([]);
  });

  it('commits what is queued when flushed, without waiting for the turn to end', async () => {
    const { write, flush } = groupCommit(writer);
    const written = write(() => writer.prepare('INSERT INTO rows (id) VALUES (?)').run('a'));
    flush();
    expect(committed()).toEqual(['a']);
    await written;
  });
});

describe('openDatabase', () => {
  it('shares one connection per file between the stores of a process, and closes it with its last user', async () => {
    const file = join(dir, 'shared.db');
    const one = openDatabase(file);
    const two = openDatabase(file);
    expect(two.db).toBe(one.db);
    await closeDatabase(one);
    expect(two.db.open).toBe(true);
    await two.write(() => two.db.exec('CREATE TABLE t (x)'));
    await closeDatabase(two);
    expect(one.db.open).toBe(false);
    const again = openDatabase(file);
    expect(again.db).not.toBe(one.db);
    await closeDatabase(again);
  });
});
