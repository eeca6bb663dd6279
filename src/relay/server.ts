/** Runs the relay on Node: the one file that knows about @hono/node-server, sockets and signals. */
import { realpathSync } from 'node:fs';
import type { Server } from 'node:http';
import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createStorage } from './attachments/create-storage';
import { leaseMs } from './attachments/lifecycle';
import { startSweep } from './attachments/sweep';
import { guardConnections, slowClientTimeouts } from './connection-guard';
import { buildRelay, urlHost } from './app';
import type { RelayDeps } from './app';
import { ConfigError, parseRelayConfig } from './config';
import type { RelayConfig } from './config';
import { watchLauncher } from './launcher';
import { createLogger } from './log';
import type { Logger } from './log';
import { connectRedis, whenReady } from './redis-connection';
import { createOutbox } from './outbox/create-outbox';
import { runOutboxCommand } from './outbox/outbox-cli';
import { createIdempotencyStore } from './stores/create-idempotency-store';

export interface RunningRelay {
  /** `http://HOST:PORT`, with the real port when the config asked for port 0. */
  url: string;
  /** Stops accepting connections and resolves once in-flight requests are answered. */
  close(): Promise<void>;
}

/** Requests still running this long after close() are cut off, so shutdown cannot hang forever. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * How long a starting relay waits for Redis before it listens. Past it, the relay starts anyway and
 * counts limits in this process until Redis answers (as it does whenever Redis is down).
 */
const REDIS_READY_MS = 5_000;

/**
 * Starts the relay on `config.host:config.port` (port 0 picks a free one), and the sweep that
 * deletes orphaned and expired attachments.
 */
export async function startRelay(config: RelayConfig, deps: RelayDeps = {}): Promise<RunningRelay> {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? createLogger({ level: config.logLevel, now });
  // Made here rather than in the app, so the sweep works on the same storage.
  const attachmentStorage = config.attachments.storage === 'off' ? undefined : (deps.attachmentStorage ?? createStorage(config.attachments));
  let url = '';
  const redis = deps.redis ?? (config.limits.redisUrl === null ? undefined : connectCounters(config.limits.redisUrl, log));
  // Listening before the counters' connection is ready would count the first requests here alone.
  if (redis !== undefined && deps.redis === undefined && !(await whenReady(redis, REDIS_READY_MS))) {
    log.warn('redis not ready at start; limits count in this process until it is', { waitedMs: REDIS_READY_MS });
  }
  // Made here rather than in the app, so that close() closes it once the last request is answered.
  const idempotencyStore =
    deps.idempotencyStore ?? createIdempotencyStore({ ...config.idempotency, redisUrl: config.limits.redisUrl }, { now, log });
  // The same: its worker is stopped and it is closed after the last request.
  const outbox =
    deps.outbox ??
    (config.outbox.enabled ? createOutbox({ ...config.outbox, ...config.idempotency, redisUrl: config.limits.redisUrl }, { now, log }) : undefined);
  const closeOwned = async () => {
    if (deps.outbox === undefined) await outbox?.close();
    if (deps.idempotencyStore === undefined) await idempotencyStore.close();
  };
  const { app, startOutboxWorker } = buildRelay(config, {
    ...deps,
    now,
    log,
    idempotencyStore,
    ...(outbox === undefined ? {} : { outbox }),
    ...(redis === undefined ? {} : { redis }),
    socketAddress: deps.socketAddress ?? ((c) => getConnInfo(c).remote.address),
    ...(attachmentStorage === undefined ? {} : { attachmentStorage }),
    // Links to files use the listening address (with the real port) unless RELAY_PUBLIC_URL is set.
    publicUrl: deps.publicUrl ?? (() => url),
  });
  const { server, address } = await new Promise<{ server: Server; address: AddressInfo }>((resolve, reject) => {
    // serve() creates a node:http server here, since no http2/https options are passed.
    const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port, serverOptions: slowClientTimeouts(config.limits.bodyTimeoutMs) }, (address) =>
      resolve({ server, address }),
    ) as Server;
    server.once('error', reject);
  }).catch(async (error: unknown) => {
    // A port in use: the SQLite file (or Redis connection) must not stay open behind the error.
    if (deps.redis === undefined) redis?.disconnect();
    await closeOwned();
    throw error;
  });
  const { limits, socialboards, upstreamGuard, ticketWork } = config;
  guardConnections(server, {
    bodyIdleMs: limits.bodyTimeoutMs,
    // Longer than the relay may take to answer: its turn among the tickets, a token call and a
    // ticket call, after a wait for a slot; for a retry of an unresolved key also the wait before
    // its check and the check itself.
    socketIdleMs: Math.max(limits.bodyTimeoutMs, ticketWork.queueMs + 4 * socialboards.timeoutMs + upstreamGuard.queueMs + 5000),
    // Behind proxies every socket comes from a proxy: the cap would count them, not visitors.
    maxConnectionsPerAddress: limits.clients.trustedProxies === 0 ? limits.clients.maxConnections : 0,
  });
  url = `http://${urlHost(address.address)}:${address.port}`;
  const stopSweep =
    attachmentStorage &&
    startSweep({
      storage: attachmentStorage,
      lifetimes: config.attachments.lifetimes,
      leaseMs: leaseMs(config.socialboards.timeoutMs),
      now,
      log,
      ...(outbox === undefined ? {} : { held: () => outbox.heldFiles() }),
    });
  // Delivers what this or an earlier run (or another instance) queued; resumes after a restart.
  const outboxWorker = startOutboxWorker();
  if (attachmentStorage !== undefined && !deps.upstreamIsLocal) warnIfUnreachable(config.attachments.publicUrl ?? url, log);
  return {
    url,
    close: async () => {
      await stopSweep?.();
      // Deliveries in progress finish first (bounded by the upstream timeout); nothing new starts.
      await outboxWorker?.stop();
      // Ours to close only when we opened it.
      if (deps.redis === undefined) await redis?.quit().catch(() => redis.disconnect());
      await new Promise<void>((resolve, reject) => {
        // A keep-alive connection whose answer is still being written when close() runs (a file
        // streamed from disk, say) becomes idle a moment later; keep closing idle ones until done.
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        server.close((error) => {
          clearInterval(idle);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
      });
      await closeOwned();
    },
  };
}

/**
 * Connects to Redis for the shared counters. Commands fail at once while it is down (no offline
 * queue), and the limiters fall back to counting in this process.
 */
function connectCounters(url: string, log: Logger) {
  return connectRedis(url, {
    log,
    whenDown: 'redis unavailable; limits count in this process until it is back',
    options: { enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  });
}

/** Socialboards fetches attachments from the public URL; a loopback or unspecified address cannot work there. */
function warnIfUnreachable(publicUrl: string, log: Logger): void {
  const host = new URL(publicUrl).hostname.replace(/^\[|\]$/g, '');
  const local =
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    (isIP(host) === 4 && (host.startsWith('127.') || host === '0.0.0.0')) ||
    (isIP(host) === 6 && (host === '::' || host === '::1'));
  if (local) {
    log.warn('attachment links point at a local address that Socialboards cannot reach; set RELAY_PUBLIC_URL', { publicUrl });
  }
}

/**
 * The outbox commands, or the relay in this process until a signal: what the command (cli.ts) runs
 * once its launcher has the relay's Node started, and what `tsx src/relay/server.ts` runs as it is.
 */
export async function main(): Promise<void> {
  // `npm run relay -- outbox …`: the operator's command, on the store the same variables name.
  if (process.argv[2] === 'outbox') {
    process.exitCode = await runOutboxCommand(process.argv.slice(3), { env: process.env, out: (line) => console.log(line) });
    return;
  }
  let config: RelayConfig;
  try {
    config = parseRelayConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`relay: ${error.message}\nSee docs/relay.md for every variable.`);
    process.exit(1);
  }
  // A signal, or the launcher's going, stops it gracefully, once: later ones are ignored (the stop
  // is bounded: the outbox's deliveries by the upstream timeout, then SHUTDOWN_GRACE_MS; SIGKILL
  // ends it at once). One that comes while it starts stops it as soon as it listens.
  let relay: RunningRelay | undefined;
  let stopping: string | undefined;
  const finish = (running: RunningRelay, reason: string) => {
    console.log(`relay: ${reason}, finishing open requests`);
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  const stop = (reason: string) => {
    if (stopping !== undefined) return;
    stopping = reason;
    if (relay !== undefined) finish(relay, reason);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  watchLauncher(() => stop('launcher gone'));
  relay = await startRelay(config);
  console.log(`relay: ${relay.url}`);
  if (stopping !== undefined) finish(relay, stopping);
}

/**
 * True when this file is the entry point (`tsx src/relay/server.ts`), not imported. In the relay
 * package this module is a chunk of its own, which is never the entry: its command is cli.js.
 */
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
