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

/** Creates the client, with its own connection pools. */
export function createNodeHttpFetch(): UpstreamFetch {
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
      // As with fetch, a call cut off by its signal fails with the signal's reason (a TimeoutError).
      request.on('error', (error) => reject(signal.aborted ? signal.reason : error));
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
