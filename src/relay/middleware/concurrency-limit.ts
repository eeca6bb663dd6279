/**
 * A bound on the requests one relay process works on at once (RELAY_TICKET_CONCURRENCY): the rest
 * wait their turn in order, for a while (RELAY_TICKET_QUEUE_MS), and are then answered `503
 * upstream_busy` with `Retry-After`, nothing having been sent. Under a load the relay cannot keep
 * up with, what it holds in memory is then the work of `max` requests and the small state of the
 * waiting ones, not that of every request its sockets brought in: at 1000 connections in
 * `npm run bench:relay` memory stayed flat, and each ticket took less CPU (less for the collector
 * to copy), where without it the heap grew over the run. `clientConcurrency` comes first, so one
 * client holds at most its own few places in the line.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { errorResponse } from '../error-response';
import type { Logger } from '../log';
import type { RelayEnv } from '../relay-env';

export interface ConcurrencyLimitOptions {
  /** Requests worked on at once. */
  max: number;
  /** How long a request past that may wait for its turn; 0: answered at once. */
  queueMs: number;
  log: Logger;
}

/** Waiting requests beyond this many are answered at once, whatever the wait: the line's memory stays bounded too. */
export const QUEUE_CAPACITY = 1000;

interface Waiter {
  /** Hands the waiter a place: it runs, and passes the place on when done. */
  admit: () => void;
  /** Set when it stopped waiting (its wait ran out): its turn goes to the next. */
  gone: boolean;
}

export const concurrencyLimit = <E extends RelayEnv>({ max, queueMs, log }: ConcurrencyLimitOptions): MiddlewareHandler<E> => {
  let active = 0;
  /** In arrival order; entries that stopped waiting stay until their turn comes and are skipped then. */
  const line: Waiter[] = [];
  /** Waiters still waiting (`line` less those gone). */
  let waiting = 0;
  const retryAfter = String(Math.max(1, Math.ceil(queueMs / 1000)));
  let lastWarnedAt = 0;

  /** A finished request's place goes to the first still waiting, or is given back. */
  const release = () => {
    for (let next = line.shift(); next !== undefined; next = line.shift()) {
      if (next.gone) continue;
      waiting--;
      next.admit();
      return;
    }
    active--;
  };

  /** Resolves true once a place is this request's, false when its wait ran out first. */
  const turn = () =>
    new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(timer);
          resolve(true);
        },
        gone: false,
      };
      const timer = setTimeout(() => {
        waiter.gone = true;
        waiting--;
        resolve(false);
      }, queueMs);
      line.push(waiter);
      waiting++;
    });

  const busy = (c: Context<E>) => errorResponse(c, 'upstream_busy', { headers: { 'Retry-After': retryAfter } });

  return async (c, next) => {
    if (active < max) active++;
    else {
      if (queueMs === 0 || waiting >= QUEUE_CAPACITY || !(await turn())) {
        // One line a minute at most: a flood must not fill the log.
        const now = Date.now();
        if (now - lastWarnedAt > 60_000) {
          lastWarnedAt = now;
          log.warn('relay busy: tickets turned away after waiting for their turn (RELAY_TICKET_CONCURRENCY, RELAY_TICKET_QUEUE_MS)', { max, waiting, queueMs });
        }
        return busy(c);
      }
      // A visitor who left while waiting (the connection closed) needs no ticket made now: a retry
      // of theirs is a request of its own, with the same key.
      if (c.req.raw.signal.aborted) {
        release();
        return busy(c);
      }
    }
    try {
      await next();
    } finally {
      release();
    }
  };
};
