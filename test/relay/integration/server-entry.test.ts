import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs `node --import tsx src/relay/server.ts` with exactly `env` (plus PATH). */
function runRelay(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/relay/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('npx tsx src/relay/server.ts', () => {
  it('exits 1 naming every bad variable, without echoing values', async () => {
    const run = runRelay({ SOCIALBOARDS_REFRESH_TOKEN: 'entry-SECRET', RELAY_PORT: 'eighty', RELAY_ALLOWED_ORIGINS: '*' });
    expect(await run.exited).toBe(1);
    const { stderr } = run.output();
    expect(stderr).toContain('SOCIALBOARDS_CLIENT_ID: is required');
    expect(stderr).toContain('RELAY_PORT: must be an integer');
    expect(stderr).toContain('RELAY_ALLOWED_ORIGINS: must be');
    expect(stderr).not.toMatch(/entry-SECRET|eighty/);
  });

  it('prints its URL, serves, and stops cleanly on SIGTERM', async () => {
    // Its idempotency store outside the repository (the default is ./data/relay.db).
    const dataDir = await mkdtemp(join(tmpdir(), 'relay-entry-'));
    const run = runRelay({
      SOCIALBOARDS_CLIENT_ID: 'c',
      SOCIALBOARDS_REFRESH_TOKEN: 'r',
      RELAY_ALLOWED_ORIGINS: 'https://shop.example',
      RELAY_PORT: '0',
      RELAY_LOG: 'silent',
      RELAY_STORE_PATH: join(dataDir, 'relay.db'),
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${JSON.stringify(run.output())}`)), 10_000);
      run.child.stdout.on('data', () => {
        const match = /relay: (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output().stdout);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok', outbox: { queued: 0, dead: 0 } });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    await rm(dataDir, { recursive: true, force: true });
  });
});
