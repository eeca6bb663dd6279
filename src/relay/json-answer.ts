/** JSON answers that keep their own text, so that storing one (the idempotency middleware) needs no read of its body. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

const texts = new WeakMap<Response, string>();

/** What `c.json(value, status, headers)` answers, its body's text remembered for `jsonAnswerText`. */
export function jsonAnswer(c: Context, value: unknown, status: ContentfulStatusCode, headers: Record<string, string> = {}): Response {
  const text = JSON.stringify(value);
  const response = c.body(text, status, { 'Content-Type': 'application/json', ...headers });
  texts.set(response, text);
  return response;
}

/**
 * The body of an answer `jsonAnswer` made, untouched since; undefined for any other answer. (Reading
 * an answer's body on Node turns @hono/node-server's light answer into a full Response with a web
 * stream; and once read, it has to be made again for the visitor.)
 */
export const jsonAnswerText = (response: Response): string | undefined => texts.get(response);
