/**
 * A small round-robin HTTP proxy in front of several relays, standing in for a load balancer.
 *
 * A backend that refuses the connection (a relay being restarted) is skipped for the next one,
 * as nginx does by default (`proxy_next_upstream error timeout`): nothing was sent to it, so
 * trying another is safe. A backend that dies once the request was sent is not retried (nginx
 * does not pass a non-idempotent POST on either): the visitor's connection is reset, as it would
 * be without the proxy, and the widget's own retry with the same Idempotency-Key takes over.
 * No health checks: a real load balancer would also stop sending to a dead backend for a while.
 */
import { createServer, request } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Headers that belong to one connection and are not passed on (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

const passOn = (headers: IncomingHttpHeaders) => Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));

export interface RunningProxy {
  url: string;
  /** Requests each backend answered, and connections refused that were passed to the next. */
  stats: { answered: number[]; skipped: number; reset: number };
  close(): Promise<void>;
}

/** Starts the proxy on a free 127.0.0.1 port in front of `backends` (`http://host:port`). */
export async function startRoundRobinProxy(backends: readonly string[]): Promise<RunningProxy> {
  const targets = backends.map((backend) => new URL(backend));
  const stats = { answered: targets.map(() => 0), skipped: 0, reset: 0 };
  let next = 0;

  /** Sends the buffered request to backend `index`; on a refused connection, to the next one. */
  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, index: number, tries: number) {
    const target = targets[index] as URL;
    // A fresh connection per request (no agent): a refused connect is then always a clean "not sent".
    const upstream = request({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...passOn(req.headers), 'content-length': String(body.length) },
      agent: false,
    });
    const giveUp = () => {
      stats.reset += 1;
      res.destroy();
    };
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' && tries + 1 < targets.length) {
        stats.skipped += 1;
        forward(req, res, body, (index + 1) % targets.length, tries + 1);
        return;
      }
      giveUp();
    });
    upstream.on('response', (answer) => {
      stats.answered[index] = (stats.answered[index] ?? 0) + 1;
      res.writeHead(answer.statusCode ?? 502, passOn(answer.headers));
      answer.pipe(res);
      answer.on('aborted', giveUp);
    });
    // The visitor gave up (the widget's per-attempt timeout): the backend's request ends too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.end(body);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const index = next;
      next = (next + 1) % targets.length;
      forward(req, res, Buffer.concat(chunks), index, 0);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
