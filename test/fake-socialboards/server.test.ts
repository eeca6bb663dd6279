import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeSocialboards } from '../../src/fake-socialboards/server';
import { CLIENT_ID, MINIMAL_BODY, REFRESH_TOKEN, TOKEN_FORM } from './support';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const running: { close(): Promise<void> }[] = [];

async function start() {
  const fake = await startFakeSocialboards({ clientId: CLIENT_ID, refreshToken: REFRESH_TOKEN });
  running.push(fake);
  return fake;
}

async function tokenFrom(url: string): Promise<string> {
  const answer = await fetch(`${url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: TOKEN_FORM,
  });
  return ((await answer.json()) as { access_token: string }).access_token;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.close()));
});

describe('startFakeSocialboards over real HTTP', () => {
  it('listens on an ephemeral 127.0.0.1 port and serves token and tickets', async () => {
    const fake = await start();
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const answer = await fetch(`${fake.url}/tickets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenFrom(fake.url)}`, 'content-type': 'application/json' },
      body: JSON.stringify(MINIMAL_BODY),
    });

    expect(await answer.json()).toEqual({ data: 4484636, errorCode: -1, errorText: null });
    const listed = (await (await fetch(`${fake.url}/__fake/tickets`)).json()) as { tickets: unknown[] };
    expect(listed.tickets).toHaveLength(1);
  });

  it('fails to start on a port that is taken', async () => {
    const first = await start();
    const port = Number(new URL(first.url).port);

    await expect(startFakeSocialboards({ clientId: 'c', refreshToken: 'r', port })).rejects.toThrow(/EADDRINUSE/);
  });

  it('closes promptly although a timeout fault holds a request and keep-alive connections are open', async () => {
    const fake = await startFakeSocialboards({ clientId: CLIENT_ID, refreshToken: REFRESH_TOKEN });
    const token = await tokenFrom(fake.url);
    await fetch(`${fake.url}/__fake/faults`, { method: 'POST', body: JSON.stringify({ kind: 'timeout' }) });
    const held = fetch(`${fake.url}/categories`, { headers: { authorization: `Bearer ${token}` } });
    const outcome = held.then(() => 'answered', () => 'connection dropped');
    await expect.poll(() => fake.state.requests.length).toBe(2);

    const started = performance.now();
    await fake.close();

    expect(performance.now() - started).toBeLessThan(1000);
    expect(await outcome).toBe('connection dropped');
    expect(fake.state.requests.at(-1)).toMatchObject({ path: '/categories', status: null });
  });

  it('can be closed twice', async () => {
    const fake = await startFakeSocialboards({ clientId: CLIENT_ID, refreshToken: REFRESH_TOKEN });

    await fake.close();
    await expect(fake.close()).resolves.toBeUndefined();
  });

  it('run directly, reads its port and demo credentials from the environment and prints its URL', async () => {
    const child = spawn(`${ROOT}node_modules/.bin/tsx`, ['src/fake-socialboards/server.ts'], {
      cwd: ROOT,
      env: { ...process.env, SOCIALBOARDS_PORT: '0', FAKE_CLIENT_ID: '', FAKE_REFRESH_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const url = /^socialboards: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(line.toString())?.[1];
      expect(url).toBeDefined();

      const answer = await fetch(`${url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=refresh_token&refresh_token=demo-refresh-token&client_id=demo-client',
      });
      expect(answer.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
