/**
 * The relay benchmark's floor: the least any relay on this project's specified stack does for a
 * ticket, with none of the relay's own code but the shared schema. Hono on @hono/node-server takes
 * `POST /tickets`, reads its JSON and checks it with the shared valibot schema
 * (`src/shared/ticket-request.ts`), records its Idempotency-Key in a SQLite file (better-sqlite3,
 * WAL, `synchronous = NORMAL`, as the relay's) before the call and the answer after it, and calls
 * the fake's Create Ticket over a keep-alive node:http agent, as the passthrough does. No rate
 * limits, origin check, form definitions, outbox, circuit breaker or time limits: what the floor
 * costs over the passthrough is the stack's; what the relay costs over the floor is those, and its
 * own way of committing (five writes a ticket in group commits, checkpoints on a thread of their
 * own: src/relay/stores/sqlite-database.ts), which none of the floor's stores copies.
 *
 * Run as a child process: FLOOR_PORT, FLOOR_UPSTREAM (the fake's URL), FLOOR_TOKEN, FLOOR_DB (the
 * file; a database in memory when unset, to run it by hand), and how the keys are written
 * (floor-options.ts):
 * - FLOOR_STORE `main` (default): on the event loop, one transaction per write, as a plain relay
 *   would; `thread`: the writes asked for in one turn of the event loop sent to a thread of their
 *   own and committed there in one transaction; `none`: no store (no idempotency at all).
 * - FLOOR_CHECKPOINTS `auto` (default): SQLite's own checkpoints, in the committing connection after
 *   a commit that takes the WAL past 1000 pages; `off`: none, so the WAL grows for the whole run
 *   (a bounded benchmark only: it shows what the checkpoints cost).
 * A key seen before is answered 409 (the floor replays nothing); the benchmark sends fresh keys.
 */
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { serve } from '@hono/node-server';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import * as v from 'valibot';
import { isSentiment } from '../../../src/shared/built-in-fields';
import type { CreateTicketBody } from '../../../src/shared/create-ticket';
import { TicketRequest } from '../../../src/shared/ticket-request';

import { DEFAULT_FLOOR, FLOOR_CHECKPOINTS, FLOOR_STORES, floorOptions } from './floor-options';
import type { FloorCheckpoints, FloorStore } from './floor-options';

/** Records a key (false: seen before) and a key's answer. */
interface KeyStore {
  claim(key: string): Promise<boolean>;
  answer(key: string, status: number, text: string): Promise<void>;
}

const SCHEMA = 'CREATE TABLE IF NOT EXISTS keys (key TEXT PRIMARY KEY, status INTEGER, response TEXT) WITHOUT ROWID';
const CLAIM = 'INSERT OR IGNORE INTO keys (key) VALUES (?)';
const ANSWER = 'UPDATE keys SET status = ?, response = ? WHERE key = ?';

/**
 * The thread's code, as CommonJS text (as the relay's checkpoint thread, `src/relay/stores/sqlite-database.ts`):
 * a batch of writes in one transaction, answered with each write's count of changed rows.
 */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
if (workerData.checkpoints === 'off') db.pragma('wal_autocheckpoint = 0');
db.exec(${JSON.stringify(SCHEMA)});
const claim = db.prepare(${JSON.stringify(CLAIM)});
const answer = db.prepare(${JSON.stringify(ANSWER)});
const batch = db.transaction((writes) => writes.map((w) => (w.length === 1 ? claim.run(w[0]) : answer.run(w[1], w[2], w[0])).changes));
parentPort.on('message', ({ id, writes }) => parentPort.postMessage({ id, changes: batch(writes) }));
`;

function openDatabase(path: string, checkpoints: FloorCheckpoints): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  if (checkpoints === 'off') db.pragma('wal_autocheckpoint = 0');
  db.exec(SCHEMA);
  return db;
}

function mainThreadStore(path: string, checkpoints: FloorCheckpoints): KeyStore {
  const db = openDatabase(path, checkpoints);
  const claim = db.prepare<[string]>(CLAIM);
  const answer = db.prepare<[number, string, string]>(ANSWER);
  return {
    claim: async (key) => claim.run(key).changes === 1,
    answer: async (key, status, text) => void answer.run(status, text, key),
  };
}

function threadStore(path: string, checkpoints: FloorCheckpoints): KeyStore {
  const worker = new Worker(THREAD, { eval: true, workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path, checkpoints } });
  // Without its thread no claim would ever be answered: the floor stops rather than hang.
  worker.on('error', (error) => {
    console.error(`floor: store thread: ${error.message}`);
    process.exit(1);
  });
  worker.on('exit', (code) => {
    console.error(`floor: store thread exited (code ${code})`);
    process.exit(1);
  });
  type Write = [string] | [string, number, string];
  let queue: { write: Write; resolve: (changes: number) => void }[] = [];
  const waiting = new Map<number, ((changes: number) => void)[]>();
  let batches = 0;
  worker.on('message', ({ id, changes }: { id: number; changes: number[] }) => {
    const resolvers = waiting.get(id) ?? [];
    waiting.delete(id);
    resolvers.forEach((resolve, i) => resolve(changes[i] ?? 0));
  });
  const send = () => {
    const batch = queue;
    queue = [];
    const id = batches++;
    waiting.set(id, batch.map(({ resolve }) => resolve));
    worker.postMessage({ id, writes: batch.map(({ write }) => write) });
  };
  const write = (w: Write) =>
    new Promise<number>((resolve) => {
      if (queue.length === 0) setImmediate(send);
      queue.push({ write: w, resolve });
    });
  return {
    claim: async (key) => (await write([key])) === 1,
    answer: async (key, status, text) => void (await write([key, status, text])),
  };
}

function keyStore(store: FloorStore, path: string, checkpoints: FloorCheckpoints): KeyStore {
  if (store === 'main') return mainThreadStore(path, checkpoints);
  if (store === 'thread') return threadStore(path, checkpoints);
  return { claim: async () => true, answer: async () => {} };
}

const upstream = new URL(process.env.FLOOR_UPSTREAM ?? '');
const authorization = `Bearer ${process.env.FLOOR_TOKEN ?? ''}`;
// Keep-alive and no socket cap, as the passthrough's.
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

/** Create Ticket over the keep-alive agent: its status and body. */
function createTicket(body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const call = request(
      { agent, host: upstream.hostname, port: upstream.port, method: 'POST', path: '/tickets', headers: { 'Content-Type': 'application/json', Authorization: authorization } },
      (incoming) => {
        let text = '';
        incoming.setEncoding('utf8');
        incoming.on('data', (chunk: string) => (text += chunk));
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 502, text }));
        incoming.on('error', reject);
      },
    );
    call.on('error', reject);
    call.end(body);
  });
}

const options = floorOptions(process.env.FLOOR_STORE ?? DEFAULT_FLOOR.store, process.env.FLOOR_CHECKPOINTS ?? DEFAULT_FLOOR.checkpoints);
if (options === undefined) {
  console.error(`floor: FLOOR_STORE takes ${FLOOR_STORES.join(', ')}; FLOOR_CHECKPOINTS ${FLOOR_CHECKPOINTS.join(', ')}`);
  process.exit(1);
}
const { store, checkpoints } = options;
const keys = keyStore(store, process.env.FLOOR_DB ?? ':memory:', checkpoints);

const app = new Hono().post('/tickets', async (c) => {
  const key = c.req.header('idempotency-key');
  if (key === undefined) return c.json({ error: 'idempotency_key_required' }, 400);
  const parsed = v.safeParse(TicketRequest, await c.req.json().catch(() => undefined));
  if (!parsed.success) return c.json({ error: 'invalid_request' }, 400);
  if (!(await keys.claim(key))) return c.json({ error: 'key_used' }, 409);
  const { title, message, sentiment, creator, customFields, categoryId } = parsed.output;
  // Create Ticket's body (src/shared/create-ticket.ts), as plain text, every field it requires
  // present: a copy of what the relay's mapTicket makes, on purpose, since the floor runs none of its code.
  const body: CreateTicketBody = {
    title: title ?? '',
    message: message ?? '',
    isHtml: false,
    ...(isSentiment(sentiment) ? { sentiment } : {}),
    sourceName: 'bench',
    categoryId: categoryId ?? null,
    assigneeId: null,
    tags: [],
    cc: [],
    creator: { name: creator?.name ?? null, email: creator?.email ?? null, customIdentifier: null, image: null, phoneNumber: creator?.phoneNumber ?? null },
    customFields: customFields ?? [],
    attachments: [],
  };
  const { status, text } = await createTicket(JSON.stringify(body)).catch(() => ({ status: 502, text: '{"error":"upstream_unreachable"}' }));
  await keys.answer(key, status, text);
  return c.body(text, status === 200 ? 201 : 502, { 'Content-Type': 'application/json' });
});

serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.FLOOR_PORT ?? 0) }, (address) =>
  console.log(`floor: http://127.0.0.1:${address.port} (store ${store}, checkpoints ${checkpoints})`),
);
