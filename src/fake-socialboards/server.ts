/** Serves the fake Socialboards over HTTP on Node; run directly, it reads its settings from the environment. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { createFakeSocialboards } from './app';
import type { FakeOptions, FakeState } from './app';

/** A running fake. */
export interface RunningFakeSocialboards {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8788`. */
  url: string;
  state: FakeState;
  /** Stops listening, ends held requests and drops every connection, including keep-alive ones. */
  close(): Promise<void>;
}

/**
 * Starts a fake Socialboards on `host` (default 127.0.0.1) and `port` (default 0: any free port).
 */
export async function startFakeSocialboards(
  opts: FakeOptions & { port?: number; host?: string },
): Promise<RunningFakeSocialboards> {
  const { port = 0, host = '127.0.0.1', ...fakeOptions } = opts;
  const { app, state } = createFakeSocialboards(fakeOptions);
  const server = createServer(getRequestListener(app.fetch));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => {
        // Ends what still waits: slow faults, and timeout holds whose connection close has not been seen yet.
        state.releaseHeldRequests();
        if (error) reject(error);
        else resolve();
      });
      // Without this, close() would wait for keep-alive and held connections to end by themselves.
      server.closeAllConnections();
    });
    return closing;
  };
  return { url: `http://${urlHost}:${address.port}`, state, close };
}

function readPort(value: string | undefined): number {
  if (value === undefined || value === '') return 8788;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`SOCIALBOARDS_PORT must be a port number (0-65535), got "${value}"`);
  }
  return port;
}

function isRunDirectly(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    // realpath: the module URL is resolved through symlinks, argv[1] is not.
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const fake = await startFakeSocialboards({
    port: readPort(process.env.SOCIALBOARDS_PORT),
    clientId: process.env.FAKE_CLIENT_ID || 'demo-client',
    refreshToken: process.env.FAKE_REFRESH_TOKEN || 'demo-refresh-token',
  });
  console.log(`socialboards: ${fake.url}`);
  const stop = () => void fake.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (isRunDirectly()) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
