/** Reads a request's JSON body strictly: UTF-8 exactly as sent, or refused; never repaired. */
import type { HonoRequest } from 'hono';

export type JsonBody = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * `fatal`: a byte sequence that is not UTF-8 throws instead of becoming U+FFFD, which
 * `Request.text()` would put in silently, altering what the visitor sent. A leading byte order mark
 * is skipped (the default): RFC 8259 §8.1 lets a parser ignore it, and it is no part of the text.
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

const NOT_JSON = 'The request body is not valid JSON.';

/** The body parsed as JSON, or the message a `validation` answer gives. */
export async function readJsonBody(request: HonoRequest): Promise<JsonBody> {
  // A body that breaks off while it is read is no JSON either.
  const bytes = await request.arrayBuffer().catch(() => undefined);
  if (bytes === undefined) return { ok: false, message: NOT_JSON };
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { ok: false, message: 'The request body is not valid UTF-8.' };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, message: NOT_JSON };
  }
}
