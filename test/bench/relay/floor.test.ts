/**
 * The benchmark's floor (floor.ts) does what its figures claim: it checks each request with the
 * shared schema, records each key in its store before the call (a key seen before is refused),
 * and SQLite's checkpoints run or not as asked.
 */
import { statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSocialboards } from '../../../src/fake-socialboards/server';
import type { RunningFakeSocialboards } from '../../../src/fake-socialboards/server';
import { killAll } from '../faults/processes';
import type { FloorOptions } from './floor-options';
import { fakeToken, startFloor, stopChild, widgetBody } from './harness';

const CREDENTIALS = { clientId: 'floor-client', refreshToken: 'floor-refresh' };
/** The benchmark's ticket: the widget's request for the demo form. */
const TICKET = JSON.parse(widgetBody('floor-test')) as Record<string, unknown>;

let fake: RunningFakeSocialboards;
let token: string;

beforeAll(async () => {
  fake = await startFakeSocialboards(CREDENTIALS);
  token = await fakeToken(fake.url, CREDENTIALS);
});
afterAll(async () => {
  killAll();
  await fake?.close();
});

const send = (url: string, key: string, body: unknown = TICKET) =>
  fetch(`${url}/tickets`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key }, body: JSON.stringify(body) });

const ticketCalls = async () => {
  const { requests } = (await (await fetch(`${fake.url}/__fake/requests`)).json()) as { requests: { path: string }[] };
  return requests.filter((entry) => entry.path === '/tickets').length;
};

describe('the floor', () => {
  it.each<[FloorOptions['store'], number]>([
    ['main', 409],
    ['thread', 409],
    ['none', 201],
  ])('with its keys written %s: a ticket once, a key sent again answered %i, a request the schema refuses never sent', { timeout: 30_000 }, async (store, again) => {
    const floor = await startFloor(fake.url, token, { store, checkpoints: 'auto' });
    try {
      const before = await ticketCalls();
      const key = randomUUID();
      const first = await send(floor.url, key);
      expect(first.status).toBe(201);
      // Create Ticket's answer, passed on: the new ticket's id in the envelope.
      expect(await first.json()).toMatchObject({ data: expect.any(Number), errorCode: -1 });
      expect((await send(floor.url, key)).status).toBe(again);
      // An unknown field: the shared schema is strict.
      expect((await send(floor.url, randomUUID(), { ...TICKET, html: '<b>x</b>' })).status).toBe(400);
      expect(await ticketCalls()).toBe(before + (again === 201 ? 2 : 1));
    } finally {
      await stopChild(floor.child);
    }
  });

  it.each<[FloorOptions['store'], FloorOptions['checkpoints']]>([
    ['main', 'auto'],
    ['main', 'off'],
    ['thread', 'auto'],
    ['thread', 'off'],
  ])('with its keys written %s and checkpoints %s, its WAL starts again at 1000 pages or grows past them', { timeout: 60_000 }, async (store, checkpoints) => {
    const floor = await startFloor(fake.url, token, { store, checkpoints });
    try {
      // Two commits a ticket (the key, then the answer), each writing at least one page; one at a
      // time on the thread, whose commits would otherwise share the writes of one turn.
      const atOnce = store === 'main' ? 20 : 1;
      for (let sent = 0; sent < 600; sent += atOnce) {
        const answers = await Promise.all(Array.from({ length: atOnce }, () => send(floor.url, randomUUID())));
        expect(answers.map((answer) => answer.status)).toEqual(Array(atOnce).fill(201));
      }
      // A frame is a page of 4096 bytes and a 24-byte header; the file starts with a 32-byte header.
      const frames = (statSync(`${floor.db}-wal`).size - 32) / (4096 + 24);
      // The commit that takes it to 1000 pages may write a few more (a page split): still far under `off`'s.
      if (checkpoints === 'auto') expect(frames).toBeLessThanOrEqual(1016);
      else expect(frames).toBeGreaterThanOrEqual(1200);
    } finally {
      await stopChild(floor.child);
    }
  });
});
