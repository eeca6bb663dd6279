/**
 * The relay's Socialboards calls on Node, straight on undici's dispatcher (the HTTP client inside
 * Node's fetch, from npm): the part of `fetch` the relay uses (`UpstreamFetch`), without the
 * Request, Response, Headers and web streams Node's fetch builds for every call (about six times the
 * CPU per call on the benchmark machine), nor node:http's ClientRequest, its events and streams
 * (85 against 151 µs of CPU a call in a scratch loop of 100 calls at once, tenth round).
 */
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import type { UpstreamFetch } from './upstream-fetch';

/**
 * An idle connection is closed after this long, as Node's fetch (undici) does by default, so a
 * call never goes out on a connection the server is about to close. A server's `Keep-Alive:
 * timeout=` hint may shorten it (undici keeps a connection 2 s less than the hint), never lengthen it.
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
  const agent = new Agent({
    keepAliveTimeout: IDLE_CONNECTION_MS,
    keepAliveMaxTimeout: IDLE_CONNECTION_MS,
    connect: { timeout: connectTimeoutMs },
    // The call's own signal is its time limit (RELAY_UPSTREAM_TIMEOUT_MS, up to 600 s): undici's
    // 300 s for the head and between chunks would otherwise end longer calls with errors of its own.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  return (url, { method, headers, body, signal }) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      // Set once the request goes out on an open connection (undici calls `onRequestStart` right
      // before it writes the request): a failure before then says nothing was sent.
      let sending: Dispatcher.DispatchController | undefined;
      let answer: { resolve: (text: string) => void; reject: (error: unknown) => void } | undefined;
      let done = false;
      const chunks: Buffer[] = [];
      /** Ends the call once: true for the first end, whichever it is. */
      const end = () => {
        if (done) return false;
        done = true;
        signal.removeEventListener('abort', cutOff);
        return true;
      };
      const finish = (error: unknown) => {
        if (end()) (answer?.reject ?? reject)(error);
      };
      // As with fetch, a call cut off by its signal fails with the signal's reason (a TimeoutError),
      // unless its connection never opened: then, as fetch's own connect timeout, nothing was sent.
      // A request still waiting for its connection is failed at once, and dropped unwritten when its
      // turn comes (the connection attempt itself goes on, until it opens or its own timeout).
      function cutOff() {
        if (sending === undefined) finish(notConnected('the time limit came first'));
        else sending.abort(signal.reason);
      }
      if (signal.aborted) return cutOff();
      signal.addEventListener('abort', cutOff, { once: true });
      agent.dispatch(
        {
          origin: target.origin,
          path: `${target.pathname}${target.search}`,
          method,
          // `identity`: an answer is never compressed, so it is read as it arrives.
          headers: { ...headers, 'Accept-Encoding': 'identity' },
          body: body ?? null,
        },
        {
          onRequestStart(controller) {
            if (done) controller.abort(signal.reason);
            else sending = controller;
          },
          onResponseStart(_controller, status, responseHeaders) {
            // An informational answer (103) is followed by the real one. undici refuses a `100
            // Continue` the request did not ask for (an `UND_ERR_SOCKET` failure, so maybe sent;
            // node:http read past it): a ticket may then be created and its key held as ambiguous,
            // never sent twice. Nothing known of Socialboards' API says it sends one (docs/socialboards-api.md).
            if (status < 200 || done) return;
            const text = new Promise<string>((resolveText, rejectText) => {
              answer = { resolve: resolveText, reject: rejectText };
            });
            // A caller that never reads the body must not leave a rejection unhandled.
            text.catch(() => undefined);
            resolve({ status, headers: { get: (name) => headerValue(responseHeaders, name) }, text: () => text });
          },
          onResponseData(_controller, chunk) {
            chunks.push(chunk);
          },
          onResponseEnd() {
            if (end()) answer?.resolve(UTF8.decode(Buffer.concat(chunks)));
          },
          onResponseError(_controller, error) {
            finish(signal.aborted && sending !== undefined ? signal.reason : error);
          },
        },
      );
    });
}

function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}
