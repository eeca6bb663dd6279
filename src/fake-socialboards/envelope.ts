/** Builds Socialboards' `{data, errorCode, errorText}` answer bodies, the fake's error codes, and reads its JSON request bodies. */
import type { Context } from 'hono';

/** The success code in every documented example (docs/socialboards-api.md §3). */
export const ENVELOPE_OK = -1;

/**
 * The fake's error codes. Socialboards' list of codes is UNKNOWN (docs/socialboards-api.md §3, the
 * "API Request Result" page could not be read), so these are invented: 1 for a rejected body,
 * and the HTTP status for transport-level refusals.
 */
export const FAKE_ERROR_CODES = {
  validation: 1,
  unauthorized: 401,
  notFound: 404,
  unsupportedMediaType: 415,
  injectedFault: 500,
  injectedTimeout: 504,
} as const;

/** A resource answer body, as documented in §3. */
export interface EnvelopeBody<T> {
  data: T | null;
  errorCode: number;
  errorText: string | null;
}

/** The body of a successful answer. */
export function success<T>(data: T): EnvelopeBody<T> {
  return { data, errorCode: ENVELOPE_OK, errorText: null };
}

/** The body of a refused or failed answer: no data, a code and a text naming what is wrong. */
export function failure(errorCode: number, errorText: string): EnvelopeBody<never> {
  return { data: null, errorCode, errorText };
}

/**
 * Reads a JSON request body the way the fake's POST endpoints do, or answers for them. The docs
 * say only "serialized to JSON" (§1). ASSUMED: like most JSON APIs, another content type is
 * refused with 415, and a body that is not JSON with a 400 validation envelope.
 */
export async function readJsonBody(c: Context): Promise<{ ok: true; body: unknown } | { ok: false; response: Response }> {
  if (!/^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? '')) {
    return { ok: false, response: c.json(failure(FAKE_ERROR_CODES.unsupportedMediaType, 'Content-Type must be application/json'), 415) };
  }
  try {
    return { ok: true, body: JSON.parse(await c.req.text()) };
  } catch {
    return { ok: false, response: c.json(failure(FAKE_ERROR_CODES.validation, 'body: is not valid JSON'), 400) };
  }
}
