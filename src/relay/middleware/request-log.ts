/** Request log: one line per request with its outcome, and nothing a visitor typed. */
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../log';
import type { RelayEnv } from '../relay-env';

export interface RequestLogOptions {
  log: Logger;
  now: () => number;
}

/**
 * Logs method, path (without query), status, duration and what the handlers recorded: the ticket id,
 * the error code, whether the answer was an idempotent replay. Bodies and headers are never logged:
 * they hold the visitor's message, email and phone number.
 */
export const requestLog =
  ({ log, now }: RequestLogOptions): MiddlewareHandler<RelayEnv> =>
  async (c, next) => {
    const started = now();
    await next();
    const status = c.res.status;
    (status >= 500 ? log.warn : log.info)('request', {
      method: c.req.method,
      path: c.req.path,
      status,
      durationMs: now() - started,
      // Unset variables are undefined, and JSON.stringify leaves them out of the line.
      ticketId: c.get('ticketId'),
      errorCode: c.get('errorCode'),
      idempotentReplay: c.get('idempotentReplay'),
    });
  };
