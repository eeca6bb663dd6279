/**
 * Guards the relay's sockets against clients that hold them: a cap on connections per address,
 * request heads and bodies that stall dropped within seconds, sockets that make no progress at all
 * (a reader that stops reading a download) dropped after a while, and a request whose answer is
 * sent while its body is still trickling in is cut off shortly after. Node-specific: server.ts
 * installs it.
 */
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { clientAddress, clientKey } from './client/client-address';

/** A whole request may take this long at most, however steadily it trickles in (Node's default). */
const REQUEST_TIMEOUT_MS = 300_000;

/** How long a client may go on sending a body nobody reads after its answer went out. */
const UNREAD_BODY_GRACE_MS = 2000;

export interface ConnectionGuardOptions {
  /** A head or body that sends nothing for this long is dropped (RELAY_BODY_TIMEOUT_MS). */
  bodyIdleMs: number;
  /**
   * Any socket that neither sends nor receives for this long is dropped: longer than the relay
   * can take to answer (its Socialboards calls), so only a stuck peer is cut.
   */
  socketIdleMs: number;
  /** Connections one address may hold open; 0: no cap (behind proxies every socket is a proxy's). */
  maxConnectionsPerAddress: number;
}

/**
 * Node's own limits, set when the server is created: a head that trickles in is the same attack
 * one step earlier (slowloris), so it gets the body's time; and Node checks these only every
 * `connectionsCheckingInterval` (30 s by default), so it checks every second instead.
 */
export const slowClientTimeouts = (bodyIdleMs: number): ServerOptions => ({
  headersTimeout: bodyIdleMs,
  requestTimeout: Math.max(REQUEST_TIMEOUT_MS, bodyIdleMs),
  connectionsCheckingInterval: Math.min(1000, bodyIdleMs),
});

export function guardConnections(server: Server, { bodyIdleMs, socketIdleMs, maxConnectionsPerAddress }: ConnectionGuardOptions): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    socket.setTimeout(socketIdleMs, () => socket.destroy());
    if (maxConnectionsPerAddress > 0) countPerAddress(socket, open, maxConnectionsPerAddress);
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const { socket } = request;
    const hasBody = request.headers['content-length'] !== undefined ? request.headers['content-length'] !== '0' : request.headers['transfer-encoding'] !== undefined;
    if (!hasBody || request.complete) return;
    // While the body is arriving, silence is allowed only briefly; afterwards, the socket's own.
    socket.setTimeout(bodyIdleMs);
    const arrived = () => socket.setTimeout(socketIdleMs);
    request.once('end', arrived);
    // Answered before the body was read (a refusal, or a GET that declared a body): the rest is
    // not wanted, and a client that keeps trickling it must not hold the socket.
    response.once('finish', () => {
      if (!request.complete) setTimeout(() => socket.destroy(), UNREAD_BODY_GRACE_MS).unref();
    });
  });
}

/** Counts the socket under its address's key in `counts`, refusing it (closing at once) past the cap. */
function countPerAddress(socket: Socket, counts: Map<string, number>, max: number): void {
  const key = clientKey(clientAddress(socket.remoteAddress, undefined, { trustedProxies: 0, forwardedHeader: 'x-forwarded-for' }));
  const count = counts.get(key) ?? 0;
  if (count >= max) {
    socket.destroy();
    return;
  }
  counts.set(key, count + 1);
  socket.once('close', () => {
    const left = (counts.get(key) ?? 1) - 1;
    if (left === 0) counts.delete(key);
    else counts.set(key, left);
  });
}
