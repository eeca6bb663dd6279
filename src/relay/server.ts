/** Runs the relay on Node: the one file that knows about @hono/node-server, sockets and signals. */
import { realpathSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { createRelayApp } from './app';
import type { RelayDeps } from './app';
import { ConfigError, parseRelayConfig } from './config';
import type { RelayConfig } from './config';

export interface RunningRelay {
  /** `http://HOST:PORT`, with the real port when the config asked for port 0. */
  url: string;
  /** Stops accepting connections and resolves once in-flight requests are answered. */
  close(): Promise<void>;
}

/** Requests still running this long after close() are cut off, so shutdown cannot hang forever. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Starts the relay on `config.host:config.port` (port 0 picks a free one). */
export async function startRelay(config: RelayConfig, deps: RelayDeps = {}): Promise<RunningRelay> {
  const app = createRelayApp(config, deps);
  const { server, address } = await new Promise<{ server: Server; address: AddressInfo }>((resolve, reject) => {
    // serve() creates a node:http server here, since no http2/https options are passed.
    const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (address) =>
      resolve({ server, address }),
    ) as Server;
    server.once('error', reject);
  });
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
      }),
  };
}

async function main(): Promise<void> {
  let config: RelayConfig;
  try {
    config = parseRelayConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`relay: ${error.message}\nSee docs/relay.md for every variable.`);
    process.exit(1);
  }
  const relay = await startRelay(config);
  console.log(`relay: ${relay.url}`);
  const stop = (signal: string) => {
    console.log(`relay: ${signal}, finishing open requests`);
    relay.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** True when this file is the entry point (`tsx src/relay/server.ts`), not imported. */
function isRunDirectly(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    // The module URL is resolved through symlinks; argv[1] is not.
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isRunDirectly()) {
  main().catch((error: unknown) => {
    console.error(`relay: could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
