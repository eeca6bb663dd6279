/** Request log: one line per request with its outcome, and nothing a visitor typed. */
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Logger } from '../log';
import type { RelayEnv } from '../relay-env';

export interface RequestLogOptions {
  log: Logger;
  now: () => number;
}

/**
 * Logs method, route, status, duration, the client (a keyed hash, see client-address.ts) and what the handlers recorded: the ticket id, the error
 * code, whether the answer was an idempotent replay. Bodies and headers are never logged: they hold
 * the visitor's message, email and phone number.
 *
 * The route is the pattern the request matched (`/attachments/:id/complete`,
 * `/files/:key/:name`), not the path: a path can hold an upload's reference (a capability), a
 * file's key (its download link) and the visitor's file name.
 */
export const requestLog =
  ({ log, now }: RequestLogOptions): MiddlewareHandler<RelayEnv> =>
  async (c, next) => {
    const started = now();
    await next();
    const status = c.res.status;
    (status >= 500 ? log.warn : log.info)('request', {
      method: c.req.method,
      path: routeOf(c),
      status,
      durationMs: now() - started,
      client: c.get('client')?.logId,
      // Unset variables are undefined, and JSON.stringify leaves them out of the line.
      ticketId: c.get('ticketId'),
      errorCode: c.get('errorCode'),
      idempotentReplay: c.get('idempotentReplay'),
    });
  };

/**
 * The pattern of the last route the request matched that is not middleware for every path. A
 * request no route matched logs its first path segment only (`/attachments/*`): it may be a
 * route's path with the wrong method, reference and all.
 */
function routeOf(c: Context<RelayEnv>): string {
  const route = matchedRoutes(c).findLast(({ method, path }) => method !== 'ALL' && path !== '*' && path !== '/*');
  if (route !== undefined) return route.path;
  const [, first = '', ...rest] = c.req.path.split('/');
  return `/${first}${rest.length > 0 ? '/*' : ''}`;
}
