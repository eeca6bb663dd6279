/**
 * Several relay instances behind one address, as README's "Scaling out" describes them: the same
 * variables, one Redis and one S3 bucket. Each test sends a visitor's requests to both instances in
 * turn, as a load balancer without sticky sessions would, and checks that nothing depends on which
 * instance got which request: an upload made at one is claimed by a ticket sent to the other and
 * served by either, rate limits count across them, and a solved challenge from one is accepted once,
 * at any of them.
 */
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { Challenge } from 'altcha-lib/types';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keyOf } from '../../../src/relay/attachments/reference';
import type { RunningRelay } from '../../../src/relay/server';
import { s3Env, startS3 } from '../attachments/s3-server';
import type { RunningS3 } from '../attachments/s3-server';
import { useRedis } from '../../support/use-redis';
import { PNG, sha256, upload } from './attachments-support';
import type { Uploaded } from './attachments-support';
import { ORIGIN, startHarness } from './harness';
import type { Harness } from './harness';

const TICKET = { title: 'Broken mirror', message: 'See the photo.', creator: { email: 'ann@example.com' } };
/** Shared by every instance, as README says it must be: ALTCHA's HMAC key. */
const CHALLENGE_SECRET = 'scale-out-altcha-hmac-key-0123456789abcdef';

const redis = useRedis();
let s3: RunningS3;
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3.close();
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/**
 * Two instances on one Redis and one bucket, with `env` on both. With REDIS_URL their stores live in
 * Redis; the second is still given a SQLite file of its own, as an instance on another machine
 * would have, so that nothing can pass between them through a shared file.
 */
async function twoInstances(env: Record<string, string> = {}): Promise<[Harness, RunningRelay, RunningRelay]> {
  h = await startHarness({ ...s3Env(s3), REDIS_URL: redis().url, ...env });
  return [h, h.relay, await h.startRelay({ RELAY_STORE_PATH: join(h.dataDir, 'second-instance.db') })];
}

const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

describe('two relay instances on one Redis and one S3 bucket', () => {
  it('claim an upload made at one instance in a ticket sent to the other, and serve its file from either', async () => {
    const [harness, a, b] = await twoInstances();
    const uploaded = await upload(a.url, PNG, 'mirror.png');
    expect(uploaded.status).toBe(201);
    const file = (await uploaded.json()) as Uploaded;

    expect((await harness.post({ ...TICKET, attachments: [file.id] }, { via: b })).status).toBe(201);

    const [ticket] = await harness.fakeTickets();
    // The link names the instance that took the ticket (RELAY_PUBLIC_URL, in production the shared address)…
    expect(ticket?.body.attachments).toEqual([{ url: `${b.url}/files/${keyOf(file.id)}/mirror.png`, name: 'mirror.png' }]);
    expect(ticket?.attachmentsFetched?.[0]).toMatchObject({ status: 200, size: PNG.length, sha256: sha256(PNG) });
    // …and the other instance serves the same file: the claim is in the bucket, not in one process.
    const viaA = await fetch(`${a.url}/files/${keyOf(file.id)}/mirror.png`);
    expect(viaA.status).toBe(200);
    expect(sha256(Buffer.from(await viaA.arrayBuffer()))).toBe(sha256(PNG));
  });

  it('refuse a second ticket claiming the same upload, whichever instance it is sent to', async () => {
    const [harness, a, b] = await twoInstances();
    const file = (await (await upload(b.url, PNG, 'mirror.png')).json()) as Uploaded;
    expect((await harness.post({ ...TICKET, attachments: [file.id] }, { via: a })).status).toBe(201);
    const again = await harness.post({ ...TICKET, title: 'Another ticket', attachments: [file.id] }, { via: b });
    expect(again.status).toBe(400);
    expect(await harness.fakeTickets()).toHaveLength(1);
  });

  it('count one visitor’s tickets together: past the limit at one instance is past it at the other', async () => {
    const [harness, a, b] = await twoInstances({ RELAY_RATE_LIMIT_TICKETS: '3/10m' });
    expect((await harness.post(TICKET, { via: a })).status).toBe(201);
    expect((await harness.post(TICKET, { via: b })).status).toBe(201);
    expect((await harness.post(TICKET, { via: a })).status).toBe(201);
    for (const via of [b, a]) {
      const refused = await harness.post(TICKET, { via });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0);
      expect(await errorCode(refused)).toBe('rate_limited');
    }
    expect(await harness.fakeTickets()).toHaveLength(3);
  });

  it('count together from an instance’s first request, even when its Redis connection is slow to open', async () => {
    // The second instance reaches Redis through a proxy that holds every new connection for a while,
    // as a Redis across a slow network would. Had it listened before its counters' connection was
    // ready, it would count its first requests in its own memory, apart from the first instance's.
    // Form loads show it: their limit is taken before anything else waits on Redis.
    const slow = await slowProxy(redis().url, 400);
    try {
      const [harness, a] = await twoInstances({ RELAY_RATE_LIMIT_FORM: '2/10m' });
      const getForm = (via: RunningRelay) => harness.send('/form', { headers: { Origin: ORIGIN } }, via);
      expect((await getForm(a)).status).toBe(200);
      expect((await getForm(a)).status).toBe(200);
      const b = await harness.startRelay({ RELAY_STORE_PATH: join(harness.dataDir, 'slow-instance.db'), REDIS_URL: slow.url });
      const refused = await getForm(b);
      expect(refused.status).toBe(429);
      expect(await errorCode(refused)).toBe('rate_limited');
    } finally {
      // Every instance closes its connections before the proxy goes.
      await h?.close();
      h = undefined;
      await slow.close();
    }
  });

  it('accept a challenge issued by one instance and solved for the other, once at either', async () => {
    const [harness, a, b] = await twoInstances({ RELAY_CHALLENGE: 'altcha', RELAY_CHALLENGE_SECRET: CHALLENGE_SECRET, RELAY_ALTCHA_MAX_NUMBER: '2000' });
    const issued = await harness.send('/challenge', { headers: { Origin: ORIGIN } }, a);
    expect(issued.status).toBe(200);
    const challenge = (await issued.json()) as Challenge;
    const solution = await solveChallenge({ challenge, deriveKey });
    if (solution === null) throw new Error('not solved');
    const payload = btoa(JSON.stringify({ challenge, solution: { counter: solution.counter, derivedKey: solution.derivedKey } }));
    const ticket = { ...TICKET, verification: { fillMs: 5000, trap: '', challenge: payload } };

    expect((await harness.post(ticket, { via: b })).status).toBe(201);
    // The used solution is remembered in Redis, so neither instance takes it again for another ticket.
    for (const via of [a, b]) {
      const replayed = await harness.post({ ...ticket, title: 'Same solution again' }, { via });
      expect(replayed.status).toBe(403);
      expect(await errorCode(replayed)).toBe('challenge_failed');
    }
    expect(await harness.fakeTickets()).toHaveLength(1);
  });
});

/** A TCP proxy to `redisUrl`'s server that opens each connection upstream only after `delayMs`. */
async function slowProxy(redisUrl: string, delayMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(redisUrl);
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((client) => {
    sockets.add(client);
    client.pause();
    let upstream: Socket | undefined;
    const end = () => {
      client.destroy();
      upstream?.destroy();
    };
    client.on('error', end).on('close', end);
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (client.destroyed) return;
      upstream = connect(Number(target.port), target.hostname, () => {
        client.pipe(upstream as Socket).pipe(client);
        client.resume();
      });
      sockets.add(upstream);
      upstream.on('error', end).on('close', end);
    }, delayMs);
    timers.add(timer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = new URL(redisUrl);
  url.port = String(port);
  return {
    url: url.toString(),
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
