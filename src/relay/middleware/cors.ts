/** Origin guard and CORS: only the site owner's pages may call the relay from a browser. */
import type { MiddlewareHandler } from 'hono';
import { IDEMPOTENCY_HEADER } from '../../shared/relay-contract';
import { errorResponse } from '../error-response';
import type { RelayEnv } from '../relay-env';
import { REPLAYED_HEADER } from '../../shared/relay-contract';

export interface CorsOptions {
  /** Exact serialised origins (`https://shop.example`), as config parses them. */
  allowedOrigins: readonly string[];
}

const PREFLIGHT_HEADERS = {
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  // If-None-Match lets a widget revalidate GET /form itself; browsers' own HTTP cache needs no preflight.
  'Access-Control-Allow-Headers': `Content-Type, ${IDEMPOTENCY_HEADER}, If-None-Match`,
  'Access-Control-Max-Age': '600',
};

/**
 * Answers preflights for allowed origins, adds CORS headers to their responses, and refuses any
 * other Origin with 403 `origin_not_allowed` before anything else runs (so it never reaches upstream).
 *
 * Requests without an Origin header (curl, server-to-server) pass: CORS exists to protect browsers,
 * which always send Origin on cross-origin and on POST requests; a non-browser client can send any
 * Origin it likes, so refusing the header's absence would stop no one.
 */
export const cors = ({ allowedOrigins }: CorsOptions): MiddlewareHandler<RelayEnv> => {
  const allowed = new Set(allowedOrigins);
  return async (c, next) => {
    const origin = c.req.header('Origin');
    if (origin === undefined) {
      await next();
      c.res.headers.append('Vary', 'Origin');
      return;
    }
    if (!allowed.has(origin)) return errorResponse(c, 'origin_not_allowed', { headers: { Vary: 'Origin' } });

    const corsHeaders = { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
    if (c.req.method === 'OPTIONS' && c.req.header('Access-Control-Request-Method') !== undefined) {
      return c.body(null, 204, { ...corsHeaders, ...PREFLIGHT_HEADERS });
    }
    await next();
    c.res.headers.set('Access-Control-Allow-Origin', origin);
    c.res.headers.append('Vary', 'Origin');
    c.res.headers.set('Access-Control-Expose-Headers', `Retry-After, ${REPLAYED_HEADER}, ETag`);
  };
};
