/**
 * The relay's Socialboards calls on Node, over node:http(s) with keep-alive agents: the part of
 * `fetch` the relay uses (`UpstreamFetch`), without the Request, Response, Headers and web streams
 * Node's fetch builds for every call (about six times the CPU per call on the benchmark machine).
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { UpstreamAnswer, UpstreamFetch } from './upstream-fetch';

/**
 * An idle connection is closed after this long, as Node's fetch (undici) does by default, so a
 * call never goes out on a connection the server is about to close; Node's agent takes a shorter
 * `Keep-Alive: timeout=` from the server's answers.
 */
const IDLE_CONNECTION_MS = 4000;

/** Like `Response.text()`: UTF-8, a byte order mark skipped, bad bytes as U+FFFD. */
const UTF8 = new TextDecoder();

/** As long as Node's fetch (undici) lets a connection take to open, TLS included, by default. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The failure of a call whose connection never opened (TCP, and TLS for https): nothing of the
 * request left, so Socialboards cannot have acted on it. It carries the code Node's fetch gives a
 * connect timeout, so fetch-errors.ts reads both clients' failures alike.
 */
const notConnected = (why: string) => Object.assign(new Error(`connection not opened: ${why}`), { code: 'UND_ERR_CONNECT_TIMEOUT' });

/** Creates the client, with its own connection pools. */
export function createNodeHttpFetch({ connectTimeoutMs = CONNECT_TIMEOUT_MS }: { connectTimeoutMs?: number } = {}): UpstreamFetch {
  const agents = {
    http: new HttpAgent({ keepAlive: true, timeout: IDLE_CONNECTION_MS }),
    https: new HttpsAgent({ keepAlive: true, timeout: IDLE_CONNECTION_MS }),
  };
  return (url, { method, headers, body, signal }) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      const request = (secure ? httpsRequest : httpRequest)(
        target,
        {
          method,
          // `identity`: an answer is never compressed, so it is read as it arrives.
          headers: { ...headers, 'Accept-Encoding': 'identity', ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }) },
          agent: secure ? agents.https : agents.http,
          signal,
        },
        (response) => resolve(answerOf(response, signal)),
      );
      // Whether the connection is open, so that a failure before then says nothing was sent: a
      // pooled keep-alive socket is; a new one once connected (and, for https, its TLS handshake done).
      let connected = false;
      let connecting: ReturnType<typeof setTimeout> | undefined;
      request.once('socket', (socket) => {
        if (!socket.connecting) {
          connected = true;
          return;
        }
        connecting = setTimeout(() => request.destroy(notConnected(`no connection within ${connectTimeoutMs} ms`)), connectTimeoutMs);
        socket.once(secure ? 'secureConnect' : 'connect', () => {
          connected = true;
          clearTimeout(connecting);
        });
      });
      // As with fetch, a call cut off by its signal fails with the signal's reason (a TimeoutError),
      // unless its connection never opened: then, as fetch's own connect timeout, nothing was sent.
      request.on('error', (error) => {
        clearTimeout(connecting);
        if (connected) reject(signal.aborted ? signal.reason : error);
        else reject(signal.aborted ? notConnected('the time limit came first') : error);
      });
      request.end(body);
    });
}

/** The answer once its head is in; its body is read at once and handed over by `text()`. */
function answerOf(response: IncomingMessage, signal: AbortSignal): UpstreamAnswer {
  const body = new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.once('end', () => resolve(UTF8.decode(Buffer.concat(chunks))));
    const brokenOff = (error?: Error) => reject(signal.aborted ? signal.reason : (error ?? new Error('the answer broke off')));
    response.on('error', brokenOff);
    response.once('close', () => {
      if (!response.complete) brokenOff();
    });
  });
  // A caller that never reads the body must not leave a rejection unhandled.
  body.catch(() => undefined);
  return { status: response.statusCode ?? 0, headers: { get: (name) => headerValue(response.headers, name) }, text: () => body };
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}
