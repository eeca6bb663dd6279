/** Middleware that logs method, path, status and arrival time of every request, and counts those in flight, so tests can count calls. */
import type { Context, MiddlewareHandler } from 'hono';
import type { FakeState, LoggedRequest } from './state';

/** Context variables of the Socialboards routes. */
export interface FakeEnv {
  Variables: { unanswered: boolean };
}

/** Marks a request that ends without a real answer (a held request whose client or server went away). */
export function markUnanswered(c: Context<FakeEnv>): void {
  c.set('unanswered', true);
}

/**
 * Logs a request on arrival (so a held request is already counted) and fills in its status once answered.
 * Bodies, headers and tokens are never logged. The status stays `null` if no real answer was given.
 */
export function logRequests(state: FakeState, now: () => number): MiddlewareHandler<FakeEnv> {
  return async (c, next) => {
    const entry: LoggedRequest = {
      method: c.req.method,
      path: c.req.path,
      status: null,
      at: new Date(now()).toISOString(),
    };
    state.requests.push(entry);
    const { concurrency } = state;
    concurrency.inFlight += 1;
    concurrency.peak = Math.max(concurrency.peak, concurrency.inFlight);
    try {
      await next();
    } finally {
      concurrency.inFlight -= 1;
    }
    if (!c.get('unanswered') && !c.req.raw.signal.aborted) entry.status = c.res.status;
  };
}
