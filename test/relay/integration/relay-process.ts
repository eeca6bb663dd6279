/** A relay as its own process, for tests that kill it with SIGKILL. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killRelay } from '../../support/relay-tree';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The relay as its own process (`node --import tsx src/relay/cli.ts`: the command, its launcher and
 * the relay it starts), printing its URL; `kill` crashes both.
 */
export async function relayProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/relay/cli.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${output}`)), 15_000);
    child.stdout.on('data', () => {
      const match = /relay: (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { url, kill: async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) await killRelay(child.pid);
    await exited;
  } };
}

