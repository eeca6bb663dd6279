/** What only the SQLite store has to prove: processes racing on one file, and a file that does not grow without bound. */
import { execFile } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../../src/relay/stores/sqlite-database';
import { createSqliteIdempotencyStore } from '../../../src/relay/stores/sqlite-idempotency-store';

const run = promisify(execFile);
const CONTENDER = fileURLToPath(new URL('./reserve-race.ts', import.meta.url));
const CREATED = { status: 201, body: '{"ticketId":1}', headers: {} };
/** The keys' table as it was until the ninth round: keyed by the key itself. */
const OLD_LAYOUT = `CREATE TABLE idempotency_keys (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, state TEXT NOT NULL, holder TEXT,
  lease_expires_at INTEGER NOT NULL, sent INTEGER NOT NULL, response TEXT, since INTEGER NOT NULL, expires_at INTEGER) WITHOUT ROWID`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-sqlite-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sqlite idempotency store', () => {
  it.each(['made by this version', 'of the old layout, which all four open and rebuild at once'])('gives each key to exactly one of four processes reserving the same keys at the same moment, on a file %s', async (made) => {
    const path = join(dir, 'relay.db');
    if (made.startsWith('made')) {
      // Created first, so no contender races to create the table.
      await createSqliteIdempotencyStore({ path, ttlMs: 60_000 }).close();
    } else {
      const old = new Database(path);
      old.pragma('journal_mode = WAL');
      old.exec(`${OLD_LAYOUT};`);
      old.close();
    }
    const keys = 200;
    const startAt = Date.now() + 2500;
    const contenders = await Promise.all(
      Array.from({ length: 4 }, () => run(process.execPath, ['--import', 'tsx', CONTENDER, path, String(keys), String(startAt)])),
    );
    const results = contenders.map(({ stdout }) => JSON.parse(stdout) as Record<string, string>);
    for (let i = 0; i < keys; i += 1) {
      const statuses = results.map((statusOf) => statusOf[`race-key-${i}`]);
      expect(statuses.filter((status) => status === 'reserved'), `race-key-${i}`).toHaveLength(1);
      expect(statuses.filter((status) => status === 'in_flight'), `race-key-${i}`).toHaveLength(3);
    }
    const db = new Database(path, { readonly: true });
    expect(db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'idempotency_keys'").get()!.sql).not.toMatch(/WITHOUT\s+ROWID/i);
    expect(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM idempotency_keys').get()!.n).toBe(keys);
    db.close();
  }, 60_000);

  it('creates the file and its folder when missing', async () => {
    const path = join(dir, 'nested', 'deeper', 'relay.db');
    const store = createSqliteIdempotencyStore({ path, ttlMs: 60_000 });
    expect((await store.reserve('k', 'fp')).status).toBe('reserved');
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('deletes expired answers, and keeps unresolved keys', async () => {
    const path = join(dir, 'relay.db');
    const clock = { now: 0 };
    const store = createSqliteIdempotencyStore({ path, ttlMs: 1000, now: () => clock.now });
    for (const key of ['a', 'b', 'c']) {
      const reservation = await store.reserve(key, 'fp');
      if (reservation.status !== 'reserved') throw new Error('not reserved');
      if (key === 'c') await store.markUnresolved(key, reservation.lease.holder);
      else await store.complete(key, reservation.lease.holder, CREATED);
    }
    await store.close();
    clock.now = 5000;
    // Opening sweeps at once, then every minute.
    await createSqliteIdempotencyStore({ path, ttlMs: 1000, now: () => clock.now }).close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT key, state FROM idempotency_keys').all()).toEqual([{ key: 'c', state: 'unresolved' }]);
    db.close();
  });

  it('indexes only the keys sent and not yet done, and drops the older index that held every sent key', async () => {
    const path = join(dir, 'relay.db');
    const old = new Database(path);
    old.exec(`
      ${OLD_LAYOUT};
      CREATE INDEX idempotency_keys_unsettled ON idempotency_keys (state, since) WHERE sent = 1;`);
    old.close();
    const store = createSqliteIdempotencyStore({ path, ttlMs: 60_000 });
    for (const [key, end] of [['done', 'complete'], ['open', 'unresolved'], ['sending', 'none']] as const) {
      const reservation = await store.reserve(key, 'fp');
      if (reservation.status !== 'reserved') throw new Error('not reserved');
      await store.markSending(key, reservation.lease.holder);
      if (end === 'complete') await store.complete(key, reservation.lease.holder, CREATED);
      if (end === 'unresolved') await store.markUnresolved(key, reservation.lease.holder);
    }
    expect((await store.listUnresolved(10)).map(({ key }) => key)).toEqual(['open']);
    await store.close();
    const db = new Database(path, { readonly: true });
    const indexes = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'idempotency_keys' AND name NOT LIKE 'sqlite_autoindex_%'")
      .all();
    expect(indexes.map(({ name }) => name).sort()).toEqual(['idempotency_keys_expiry', 'idempotency_keys_open']);
    const indexed = db.prepare<[], { key: string }>('SELECT key FROM idempotency_keys INDEXED BY idempotency_keys_open WHERE sent = 1 AND state IN (\'held\', \'unresolved\') ORDER BY key').all();
    expect(indexed.map(({ key }) => key)).toEqual(['open', 'sending']);
    db.close();
  });

  it('rebuilds a file of the old layout (keyed by key, WITHOUT ROWID) with every key as it was, which the old statements still read and write', async () => {
    const path = join(dir, 'relay.db');
    const old = new Database(path);
    old.exec(`
      ${OLD_LAYOUT};
      CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at) WHERE expires_at IS NOT NULL;
      CREATE INDEX idempotency_keys_open ON idempotency_keys (state, since) WHERE sent = 1 AND state IN ('held', 'unresolved');`);
    const oldUpsert = `INSERT OR REPLACE INTO idempotency_keys (key, fingerprint, state, holder, lease_expires_at, sent, response, since, expires_at)
      VALUES (@key, @fingerprint, @state, @holder, @lease_expires_at, @sent, @response, @since, @expires_at)`;
    const now = Date.now();
    const rows = [
      // \`since\` as the old relay left it: set only on unresolved keys.
      { key: 'done-key', fingerprint: 'fp-done', state: 'done', holder: null, lease_expires_at: 0, sent: 1, response: JSON.stringify(CREATED), since: 0, expires_at: now + 60_000 },
      { key: 'unresolved-key', fingerprint: 'fp-open', state: 'unresolved', holder: null, lease_expires_at: 0, sent: 1, response: null, since: now - 2000, expires_at: null },
      { key: 'held-key', fingerprint: 'fp-held', state: 'held', holder: 'someone', lease_expires_at: now + 60_000, sent: 0, response: null, since: 0, expires_at: null },
    ];
    for (const row of rows) old.prepare(oldUpsert).run(row);
    old.close();

    const store = createSqliteIdempotencyStore({ path, ttlMs: 60_000 });
    expect(await store.reserve('done-key', 'fp-done')).toEqual({ status: 'replay', response: CREATED });
    expect(await store.reserve('done-key', 'other')).toEqual({ status: 'conflict' });
    expect((await store.reserve('held-key', 'fp-held')).status).toBe('in_flight');
    expect((await store.listUnresolved(10)).map(({ key }) => key)).toEqual(['unresolved-key']);
    const fresh = await store.reserve('new-key', 'fp-new');
    if (fresh.status !== 'reserved') throw new Error('not reserved');
    expect(await store.complete('new-key', fresh.lease.holder, CREATED)).toBe(true);
    await store.close();

    const db = new Database(path);
    const { sql } = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'idempotency_keys'").get()!;
    expect(sql).not.toMatch(/WITHOUT\s+ROWID/i);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'idempotency_keys_without%'").all()).toEqual([]);
    // The old keys in key order (nothing recorded when they were reserved), then the new one.
    expect(db.prepare('SELECT key FROM idempotency_keys ORDER BY id').all().map((row) => (row as { key: string }).key)).toEqual(['done-key', 'held-key', 'unresolved-key', 'new-key']);
    // A relay of the previous version on the same file: what it runs when it opens the file changes
    // nothing, and its statements work on the new table, a key it writes again included.
    db.exec(`CREATE TABLE IF NOT EXISTS ${OLD_LAYOUT.slice('CREATE TABLE '.length)};
      DROP INDEX IF EXISTS idempotency_keys_unsettled;
      CREATE INDEX IF NOT EXISTS idempotency_keys_open ON idempotency_keys (state, since) WHERE sent = 1 AND state IN ('held', 'unresolved');`);
    expect(db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'idempotency_keys'").get()!.sql).toBe(sql);
    db.prepare(oldUpsert).run({ ...rows[2]!, key: 'older-relay-key' });
    db.prepare(oldUpsert).run({ ...rows[0]!, fingerprint: 'fp-rewritten' });
    expect(db.prepare('SELECT * FROM idempotency_keys WHERE key = ?').get('older-relay-key')).toMatchObject({ key: 'older-relay-key', state: 'held' });
    db.close();
    const again = createSqliteIdempotencyStore({ path, ttlMs: 60_000 });
    expect((await again.reserve('older-relay-key', 'fp-held')).status).toBe('in_flight');
    expect(await again.reserve('done-key', 'fp-rewritten')).toEqual({ status: 'replay', response: CREATED });
    await again.close();
  });

  it('writes each ticket\'s later changes near the table\'s end: under 3.5 WAL pages a ticket over a table of 60 000 keys (5 in the old layout)', async () => {
    const path = join(dir, 'relay.db');
    // No checkpoint during the count: the WAL only grows, so its length counts the pages written.
    const file = openDatabase(path, { everyMs: 3_600_000 });
    const store = createSqliteIdempotencyStore({ path, ttlMs: 3_600_000 });
    try {
      const fill = file.db.prepare(
        `INSERT INTO idempotency_keys (key, fingerprint, state, holder, lease_expires_at, sent, response, since, expires_at)
         VALUES (?, ?, 'done', NULL, 0, 1, ?, ?, ?)`,
      );
      const response = JSON.stringify(CREATED);
      file.db.transaction(() => {
        for (let i = 0; i < 60_000; i += 1) fill.run(randomUUID(), 'f'.repeat(64), response, i, Date.now() + 3_600_000 + i);
      })();
      expect(file.db.pragma('wal_checkpoint(TRUNCATE)')).toEqual([{ busy: 0, log: 0, checkpointed: 0 }]);
      expect(file.db.pragma('page_size', { simple: true })).toBe(4096);
      // Batches of eight tickets, each ticket's three writes a commit apart, as under load.
      const tickets = 800;
      const keys = Array.from({ length: tickets }, () => randomUUID());
      for (let b = 0; b < tickets; b += 8) {
        const batch = keys.slice(b, b + 8);
        const holders = await Promise.all(
          batch.map(async (key) => {
            const reservation = await store.reserve(key, 'f'.repeat(64));
            if (reservation.status !== 'reserved') throw new Error('not reserved');
            return reservation.lease.holder;
          }),
        );
        await Promise.all(batch.map((key, i) => store.markSending(key, holders[i]!)));
        await Promise.all(batch.map((key, i) => store.complete(key, holders[i]!, CREATED)));
      }
      const frames = (statSync(`${path}-wal`).size - 32) / (4096 + 24);
      // About 2.7 a ticket here, and 5.0 in the layout keyed by key (each of the three writes at a random page).
      expect(frames / tickets).toBeLessThan(3.5);
    } finally {
      await store.close();
      await closeDatabase(file);
    }
  }, 60_000);

  it('never checkpoints in a commit, and yet copies the WAL back into the file while open', async () => {
    const path = join(dir, 'relay.db');
    const store = createSqliteIdempotencyStore({ path, ttlMs: 60_000 });
    const before = statSync(path).size;
    // Far fewer pages than SQLite's automatic checkpoint (1000), which is off on this connection anyway.
    for (let i = 0; i < 50; i += 1) {
      const reservation = await store.reserve(`checkpoint-key-${i}`, 'fp');
      if (reservation.status !== 'reserved') throw new Error('not reserved');
      await store.complete(`checkpoint-key-${i}`, reservation.lease.holder, { ...CREATED, body: 'x'.repeat(2000) });
    }
    // Commits only append to the WAL; the database file grows when a checkpoint copies them back.
    await expect.poll(() => statSync(path).size, { timeout: 10_000, interval: 100 }).toBeGreaterThan(before + 50 * 2000);
    await store.close();
  });

  it('starts the WAL again and again under writes that never pause, and cuts back a WAL grown long', async () => {
    const path = join(dir, 'relay.db');
    // The relay's path with small lengths: 64 frames to restart at, a 50 ms interval, a 512 KiB cap.
    const limit = 512 * 1024;
    const file = openDatabase(path, { restartFrames: 64, everyMs: 50, walSizeLimitBytes: limit });
    try {
      file.db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
      const insert = file.db.prepare<[Buffer]>('INSERT INTO notes (body) VALUES (?)');
      const body = Buffer.alloc(3000, 7);
      // The WAL header's checkpoint sequence number goes up each time a writer starts the WAL again.
      const header = Buffer.alloc(16);
      const sequence = () => {
        const fd = openSync(`${path}-wal`, 'r');
        try {
          readSync(fd, header, 0, 16, 0);
        } finally {
          closeSync(fd);
        }
        return header.readUInt32BE(12);
      };
      // Eight writers, each asking again as soon as its write is committed: a commit every turn of
      // the event loop, as under load, until the WAL has started again five times (or 20 s passed).
      // The size is read at each restart: the commit that starts the WAL again cuts the file back.
      const sizesAtRestart: number[] = [];
      let seen = 0;
      const until = Date.now() + 20_000;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (seen < 5 && Date.now() < until) {
            await file.write(() => insert.run(body));
            const now = sequence();
            if (now > seen) {
              seen = now;
              sizesAtRestart.push(statSync(`${path}-wal`).size);
            }
          }
        }),
      );
      expect(seen).toBeGreaterThanOrEqual(5);
      // At most the cap and the few commits made since (each under 4 frames of 4120 bytes here).
      for (const size of sizesAtRestart) expect(size).toBeLessThanOrEqual(limit + 64 * 1024);
    } finally {
      await closeDatabase(file);
    }
  });
});
