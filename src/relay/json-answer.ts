/** JSON answers that keep their own text, so that storing one (the idempotency middleware) needs no read of its body. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { RelayEnv } from './relay-env';

/** What `jsonAnswer` made an answer of: its body's text and its headers, names in lower case. */
interface Made {
  text: string;
  headers: Record<string, string>;
  /** Whether the request's shared headers (`setAnswerHeaders`) are among them. */
  shared: boolean;
}

const made = new WeakMap<Response, Made>();

/**
 * Headers every answer to this request is to carry (the CORS middleware's, set before the route
 * runs), names in lower case: `jsonAnswer` builds them in, so that middleware need not add them to
 * the finished answer. Adding headers to a finished answer on Node makes a Headers object of
 * @hono/node-server's plain ones, and the adapter then has to read them back out of it.
 */
export function setAnswerHeaders(c: Context<RelayEnv>, headers: Record<string, string>): void {
  c.set('answerHeaders', headers);
}

/**
 * What `c.json(value, status, headers)` answers, built with plain headers (`setAnswerHeaders`'
 * first; a `vary` of both is joined), its text and headers remembered for `jsonAnswerText` and
 * `answerHeader`. Built as a Response of its own: headers set earlier with `c.header()` are not
 * merged in (the relay sets none; `setAnswerHeaders` is the way), and its headers are not to be
 * changed after (`answerHeader` reads them as built).
 */
export function jsonAnswer(c: Context, value: unknown, status: ContentfulStatusCode, headers: Record<string, string> = {}): Response {
  const text = JSON.stringify(value);
  const shared = (c as Context<RelayEnv>).get('answerHeaders');
  const all: Record<string, string> = { ...shared, 'content-type': 'application/json' };
  for (const [name, content] of Object.entries(headers)) {
    const key = name.toLowerCase();
    all[key] = key === 'vary' && all.vary !== undefined ? `${all.vary}, ${content}` : content;
  }
  const response = new Response(text, { status, headers: all });
  made.set(response, { text, headers: all, shared: shared !== undefined });
  return response;
}

/**
 * The body of an answer `jsonAnswer` made, untouched since; undefined for any other answer. (Reading
 * an answer's body on Node turns @hono/node-server's light answer into a full Response with a web
 * stream; and once read, it has to be made again for the visitor.)
 */
export const jsonAnswerText = (response: Response): string | undefined => made.get(response)?.text;

/** One header of an answer, read from what `jsonAnswer` made it with when it did (see `setAnswerHeaders`). */
export const answerHeader = (response: Response, name: string): string | null => {
  const own = made.get(response);
  return own === undefined ? response.headers.get(name) : (own.headers[name.toLowerCase()] ?? null);
};

/** Whether `jsonAnswer` built the request's shared headers into this answer. */
export const carriesAnswerHeaders = (response: Response): boolean => made.get(response)?.shared === true;
