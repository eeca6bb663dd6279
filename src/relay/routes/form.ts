/** `GET /form`: the form definition the widget renders, cacheable by browsers and CDNs. */
import { Hono } from 'hono';
import { errorResponse } from '../error-response';
import { LANGUAGE_TAG } from '../form/form-config';
import type { FormSource } from '../form/form-source';
import type { RelayEnv } from '../relay-env';

export interface FormRouteOptions {
  form: FormSource;
  /** The definition cache's TTL: how long a shared cache may keep serving a stale copy while it revalidates. */
  ttlSeconds: number;
}

/** Browsers and CDNs reuse the form for a minute, then revalidate with `If-None-Match`. */
const MAX_AGE_SECONDS = 60;


/**
 * 200 with the definition and a strong ETag (a hash of the body), or 304 when `If-None-Match`
 * names it. `Vary: Origin` comes from the CORS middleware, which adds it to every answer.
 */
export function formRoute({ form, ttlSeconds }: FormRouteOptions): Hono<RelayEnv> {
  const cacheControl = `public, max-age=${MAX_AGE_SECONDS}, stale-while-revalidate=${ttlSeconds}`;
  return new Hono<RelayEnv>().get('/form', async (c) => {
    // The widget's language, for the operator's per-language texts; a malformed tag gets the default copy.
    const locale = c.req.query('locale');
    const served = await form.get(locale !== undefined && LANGUAGE_TAG.test(locale) ? locale : undefined);
    if (!served.ok) return errorResponse(c, 'upstream_unavailable', { headers: { 'Cache-Control': 'no-store' } });
    const { body, etag } = served.value;
    const headers = { ETag: etag, 'Cache-Control': cacheControl };
    if (matches(c.req.header('If-None-Match'), etag)) return c.body(null, 304, headers);
    return c.body(body, 200, { ...headers, 'Content-Type': 'application/json' });
  });
}

/** RFC 9110 §13.1.2: `*` or any listed tag, compared weakly (a `W/` prefix is ignored). */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}
