/**
 * Drops connections whose request body stalls: while a body is still arriving, a connection that
 * sends nothing for `idleMs` is destroyed, so a client that declares a length and then goes quiet
 * holds nothing for minutes. Once the body has ended the watch stops, so a slow answer from
 * Socialboards never cuts a visitor off. Node-specific: server.ts installs it.
 */
import type { IncomingMessage, Server, ServerOptions } from 'node:http';

/** A whole request may take this long at most, however steadily it trickles in (Node's default). */
const REQUEST_TIMEOUT_MS = 300_000;

/**
 * Node's own limits, set when the server is created: a head that trickles in is the same attack
 * one step earlier (slowloris), so it gets the same time; and Node checks these only every
 * `connectionsCheckingInterval` (30 s by default), so it checks every second instead.
 */
export const slowClientTimeouts = (idleMs: number): ServerOptions => ({
  headersTimeout: idleMs,
  requestTimeout: Math.max(REQUEST_TIMEOUT_MS, idleMs),
  connectionsCheckingInterval: Math.min(1000, idleMs),
});

/** Watches each request with a body until the body has arrived. */
export function dropStalledBodies(server: Server, { idleMs }: { idleMs: number }): void {
  server.on('request', (request: IncomingMessage) => {
    const hasBody = request.headers['content-length'] !== undefined ? request.headers['content-length'] !== '0' : request.headers['transfer-encoding'] !== undefined;
    if (!hasBody || request.complete) return;
    const { socket } = request;
    const stalled = () => socket.destroy();
    socket.setTimeout(idleMs, stalled);
    const stop = () => {
      socket.setTimeout(0);
      socket.off('timeout', stalled);
    };
    request.once('end', stop);
    request.once('close', stop);
  });
}
