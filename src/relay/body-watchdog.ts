/**
 * Drops connections whose request body stalls: while a body is still arriving, a connection that
 * sends nothing for `idleMs` is destroyed, so a client that declares a length and then goes quiet
 * holds nothing for minutes. Once the body has ended the watch stops, so a slow answer from
 * Socialboards never cuts a visitor off. Node-specific: server.ts installs it.
 */
import type { IncomingMessage, Server } from 'node:http';

export function dropStalledBodies(server: Server, { idleMs }: { idleMs: number }): void {
  // A head that trickles in is the same attack one step earlier (slowloris). Node requires
  // requestTimeout (the whole request) to be at least headersTimeout, or 0.
  server.headersTimeout = Math.min(server.headersTimeout, idleMs);
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
