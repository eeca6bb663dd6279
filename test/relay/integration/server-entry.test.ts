import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { nodeChildren, running } from '../../support/relay-tree';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Runs `node --import tsx src/relay/server.ts` (or `script`: the command, `src/relay/cli.ts`) with
 * exactly `env` (plus PATH); `detached`, in a process group of its own, as a terminal runs a
 * command in the foreground.
 */
function runRelay(env: Record<string, string>, { detached = false, script = 'src/relay/server.ts' } = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
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

  it('runs the relay in this process, with Node as it was started (the command launches it instead)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'relay-entry-'));
    const run = runRelay({ SOCIALBOARDS_CLIENT_ID: 'c', SOCIALBOARDS_REFRESH_TOKEN: 'r', RELAY_ALLOWED_ORIGINS: 'https://shop.example', RELAY_PORT: '0', RELAY_LOG: 'silent', RELAY_STORE_PATH: join(dataDir, 'relay.db') });
    await new Promise<void>((resolve) => run.child.stdout.on('data', () => run.output().stdout.includes('relay: http') && resolve()));
    expect(nodeChildren(run.child.pid ?? 0)).toEqual([]);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('the command, src/relay/cli.ts: its launcher (RELAY_SEMI_SPACE_MB, src/relay/launcher.ts)', () => {
    /** A relay on a store of its own, started with `env` besides the usual, and its URL once printed. */
    async function started(env: Record<string, string> = {}, { detached = false } = {}) {
      const dataDir = await mkdtemp(join(tmpdir(), 'relay-launcher-'));
      const run = runRelay(
        {
          SOCIALBOARDS_CLIENT_ID: 'c',
          SOCIALBOARDS_REFRESH_TOKEN: 'r',
          RELAY_ALLOWED_ORIGINS: 'https://shop.example',
          RELAY_PORT: '0',
          RELAY_LOG: 'silent',
          RELAY_STORE_PATH: join(dataDir, 'relay.db'),
          ...env,
        },
        { detached, script: 'src/relay/cli.ts' },
      );
      const launcher = run.child.pid ?? 0;
      leaveNothingRunning(launcher, dataDir);
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${JSON.stringify(run.output())}`)), 15_000);
        run.child.stdout.on('data', () => {
          const match = /relay: (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output().stdout);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
      });
      return { ...run, url, launcher, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
    }

    /**
     * However the test ends (a failure, a timeout), nothing is left running: the launcher, and the
     * relay in its own session (looked up as the test goes on: it may not have started yet).
     */
    function leaveNothingRunning(launcher: number, dataDir: string) {
      const seen = new Set<number>();
      const look = setInterval(() => nodeChildren(launcher).forEach((pid) => seen.add(pid)), 50);
      onTestFinished(async () => {
        clearInterval(look);
        for (const pid of [launcher, ...seen].filter((each) => each > 0 && running(each))) process.kill(pid, 'SIGKILL');
        await rm(dataDir, { recursive: true, force: true });
      });
    }

    const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const until = async (done: () => boolean, ms: number) => {
      for (const deadline = Date.now() + ms; !done(); ) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    it('serves from a Node started again with a fixed young generation of 32 MB, and passes SIGTERM on to it once', async () => {
      const run = await started();
      const [relay, ...more] = nodeChildren(run.launcher);
      expect(more).toEqual([]);
      expect(relay).toBeDefined();
      const args = commandLine(relay ?? 0);
      expect(args.slice(1, 3)).toEqual(['--min-semi-space-size=32', '--max-semi-space-size=32']);
      // The same script and Node flags as the launcher's own.
      expect(args.slice(3)).toEqual(expect.arrayContaining(['--import', 'tsx', expect.stringMatching(/src\/relay\/cli\.ts$/)]));
      // Its own process group: a terminal's Ctrl-C reaches it only through the launcher.
      expect(readFileSync(`/proc/${relay}/stat`, 'utf8').split(') ')[1]?.split(' ')[2]).toBe(String(relay));
      expect((await fetch(`${run.url}/healthz`)).status).toBe(200);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(run.output().stdout.match(/SIGTERM, finishing open requests/g)).toHaveLength(1);
      expect(running(relay ?? 0)).toBe(false);
      await run.cleanup();
    });

    it("stops gracefully once on a terminal's Ctrl-C (SIGINT to the launcher's process group)", async () => {
      const run = await started({}, { detached: true });
      const [relay] = nodeChildren(run.launcher);
      process.kill(-run.launcher, 'SIGINT');
      expect(await run.exited).toBe(0);
      expect(run.output().stdout.match(/SIGINT, finishing open requests/g)).toHaveLength(1);
      expect(running(relay ?? 0)).toBe(false);
      await run.cleanup();
    });

    it('stops the relay when the launcher dies without passing anything on (SIGKILL)', async () => {
      const run = await started();
      const [relay] = nodeChildren(run.launcher);
      run.child.kill('SIGKILL');
      await until(() => !running(relay ?? 0), 15_000);
      expect(run.output().stdout).toContain('relay: launcher gone, finishing open requests');
      await run.cleanup();
    });

    it.each([
      ['while it loads (its channel may be closed before it looks)', 0],
      ['while it waits for Redis (it was watching)', 1500],
    ])('stops the relay whose launcher died while it was still starting: %s', async (_when, afterMs) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'relay-launcher-'));
      // Nothing listens on port 1: the relay waits 5 s for Redis before it listens (REDIS_READY_MS).
      const run = runRelay(
        { SOCIALBOARDS_CLIENT_ID: 'c', SOCIALBOARDS_REFRESH_TOKEN: 'r', RELAY_ALLOWED_ORIGINS: 'https://shop.example', RELAY_PORT: '0', RELAY_LOG: 'silent', RELAY_STORE_PATH: join(dataDir, 'relay.db'), REDIS_URL: 'redis://127.0.0.1:1' },
        { script: 'src/relay/cli.ts' },
      );
      const launcher = run.child.pid ?? 0;
      leaveNothingRunning(launcher, dataDir);
      let relay: number | undefined;
      await until(() => (relay = nodeChildren(launcher)[0]) !== undefined, 10_000);
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      run.child.kill('SIGKILL');
      await until(() => !running(relay ?? 0), 20_000);
      expect(run.output().stdout).toMatch(/relay: http:\/\/127\.0\.0\.1:\d+\nrelay: launcher gone, finishing open requests/);
    }, 40_000);

    it.each([
      ['RELAY_SEMI_SPACE_MB=0, Node\'s own young generation', { RELAY_SEMI_SPACE_MB: '0' }],
      ["the operator's own semi-space flag in NODE_OPTIONS", { NODE_OPTIONS: '--max-semi-space-size=8' }],
    ])('runs in one process with %s', async (_name, env) => {
      const run = await started(env);
      expect(nodeChildren(run.launcher)).toEqual([]);
      expect((await fetch(`${run.url}/healthz`)).status).toBe(200);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      await run.cleanup();
    });

    it('refuses a size out of range with the other bad variables, in one process, starting nothing', async () => {
      const run = runRelay({ SOCIALBOARDS_CLIENT_ID: 'c', SOCIALBOARDS_REFRESH_TOKEN: 'r', RELAY_ALLOWED_ORIGINS: 'https://shop.example', RELAY_PORT: 'eighty', RELAY_SEMI_SPACE_MB: '4096' }, { script: 'src/relay/cli.ts' });
      expect(await run.exited).toBe(1);
      expect(run.output().stderr).toContain('RELAY_SEMI_SPACE_MB: must be an integer from 0 to 1024');
      expect(run.output().stderr).toContain('RELAY_PORT');
      expect(run.output().stderr.match(/relay: /g)).toHaveLength(1);
      expect(run.output().stdout).toBe('');
    });

    it('reports bad variables once, from the relay it launched', async () => {
      const run = runRelay({ SOCIALBOARDS_CLIENT_ID: 'c', RELAY_ALLOWED_ORIGINS: 'https://shop.example' }, { script: 'src/relay/cli.ts' });
      expect(await run.exited).toBe(1);
      expect(run.output().stderr.match(/SOCIALBOARDS_REFRESH_TOKEN: is required/g)).toHaveLength(1);
    });
  });
});
