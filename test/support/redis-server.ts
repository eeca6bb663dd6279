/**
 * A real Redis for tests: Debian's `redis-server`, installed with apt-get when missing (as root, as
 * on CI), started on a free 127.0.0.1 port with nothing saved to disk, and stopped by `close()`.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

const BINARY = '/usr/bin/redis-server';

/** The redis-server binary, installing Debian's package if needed. */
export function findRedisServer(): string {
  if (existsSync(BINARY)) return BINARY;
  if (process.getuid?.() !== 0) throw new Error('redis-server is missing; install Debian\'s redis-server package (apt-get install redis-server)');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  // The package starts a system service on 6379; tests use their own servers on free ports.
  try {
    execFileSync('service', ['redis-server', 'stop'], { stdio: 'ignore' });
  } catch {
    // No service manager in this container: nothing was started.
  }
  return BINARY;
}

/** A port nothing listens on now, on 127.0.0.1. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

export interface RunningRedis {
  url: string;
  /** A client for the test's own checks (closed by `close()`). */
  client: Redis;
  close(): Promise<void>;
}

/**
 * Starts a throwaway redis-server on 127.0.0.1 and waits until it answers PING. `onSpawn` sees the
 * child process at once, for a caller that must kill it even when it never gets to `close()`.
 */
export async function startRedis({ onSpawn }: { onSpawn?: (child: ChildProcess) => void } = {}): Promise<RunningRedis> {
  const binary = findRedisServer();
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], {
    stdio: 'ignore',
  });
  onSpawn?.(child);
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  // Refused connections while the server starts are expected; the loop below retries them.
  client.on('error', () => {});
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch (error) {
      client.disconnect();
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${port}: ${String(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    client,
    close: async () => {
      client.disconnect();
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
