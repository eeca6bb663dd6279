/** Origin guard and CORS: only the site owner's pages may call the relay from a browser. */
import type { MiddlewareHandler } from 'hono';
import { cors as honoCors } from 'hono/cors';
import { IDEMPOTENCY_HEADER, REPLAYED_HEADER } from '../../shared/relay-contract';
import { errorResponse } from '../error-response';
import { carriesAnswerHeaders, setAnswerHeaders } from '../json-answer';
import type { RelayEnv } from '../relay-env';

export interface CorsOptions {
  /** Exact serialised origins (`https://shop.example`), as config parses them. */
  allowedOrigins: readonly string[];
}

/**
 * Refuses a request whose Origin is not allowed with 403 `origin_not_allowed`, before anything else
 * runs (so it never reaches upstream). Hono's CORS middleware alone would not do: for an origin it
 * does not allow, it leaves out `Access-Control-Allow-Origin` and runs the route all the same, so a
 * POST from another site would still create a ticket (the browser would only hide the answer).
 *
 * Requests without an Origin header (curl, server-to-server) pass: CORS exists to protect browsers,
 * which always send Origin on cross-origin and on POST requests; a non-browser client can send any
 * Origin it likes, so refusing the header's absence would stop no one.
 */
export const originGuard = ({ allowedOrigins }: CorsOptions): MiddlewareHandler<RelayEnv> => {
  const allowed = new Set(allowedOrigins);
  return async (c, next) => {
    const origin = c.req.header('Origin');
    if (origin !== undefined && !allowed.has(origin)) return errorResponse(c, 'origin_not_allowed', { headers: { Vary: 'Origin' } });
    await next();
  };
};

/** The headers the widget reads from an answer. */
const EXPOSED_HEADERS = ['Retry-After', REPLAYED_HEADER, 'ETag'];

/**
 * CORS behind `originGuard`: Hono's CORS middleware answers preflights with 204; every other answer
 * gets `Access-Control-Allow-Origin` (the request's own origin, with `Vary: Origin`) and the exposed
 * headers the widget reads, the same headers Hono's middleware gives it, added once the answer
 * exists. (Hono's middleware sets them on `c.res` before the route runs and again after; on Node
 * each time turns the adapter's light answer into a full Response with a web stream, three per
 * request, which the adapter then has to stream out.)
 */
export const corsHeaders = ({ allowedOrigins }: CorsOptions): MiddlewareHandler<RelayEnv> => {
  const preflight = honoCors({
    origin: [...allowedOrigins],
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    // If-None-Match lets a widget revalidate GET /form itself; browsers' own HTTP cache needs no preflight.
    allowHeaders: ['Content-Type', IDEMPOTENCY_HEADER, 'If-None-Match'],
    maxAge: 600,
    exposeHeaders: EXPOSED_HEADERS,
  });
  const allowed = new Set(allowedOrigins);
  const exposed = EXPOSED_HEADERS.join(',');
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    const origin = c.req.header('Origin');
    const shared: Record<string, string> = { 'access-control-expose-headers': exposed, vary: 'Origin' };
    if (origin !== undefined && allowed.has(origin)) shared['access-control-allow-origin'] = origin;
    // The relay's JSON answers are built with them; any other answer gets them here.
    setAnswerHeaders(c, shared);
    await next();
    if (carriesAnswerHeaders(c.res)) return;
    const { headers } = c.res;
    for (const [name, value] of Object.entries(shared)) if (name !== 'vary') headers.set(name, value);
    // Appended, once: an answer Hono made again from one that had them already lists Origin.
    if (!(headers.get('Vary') ?? '').split(',').some((name) => name.trim().toLowerCase() === 'origin')) headers.append('Vary', 'Origin');
  };
};
