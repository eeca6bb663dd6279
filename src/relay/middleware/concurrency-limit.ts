/**
 * A bound on the requests one relay process works on at once (RELAY_TICKET_CONCURRENCY): the rest
 * wait their turn in order, for a while (RELAY_TICKET_QUEUE_MS), and are then answered `503
 * upstream_busy` with `Retry-After`, nothing having been sent. Under a load the relay cannot keep
 * up with, what it holds is then the work of `max` requests and the waiting ones' bodies, not
 * the half-done work of every request its sockets brought in (README, "What a ticket costs":
 * memory at 1000 connections). `clientConcurrency` comes first, so one client holds at most its
 * own few places in the line.
 *
 * Node only: on Workers a request's code is cancelled when its visitor leaves, so a place it held
 * would never be given back (build-relay.ts leaves the bound out there).
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

/** Waiting requests beyond this many are answered at once, whatever the wait: the line stays bounded too. */
export const QUEUE_CAPACITY = 1000;

/**
 * What a request turned away is told to wait: short and fixed, within what the widget waits out
 * by itself (a Retry-After over 30 s makes it stop retrying), whatever RELAY_TICKET_QUEUE_MS is.
 */
const RETRY_AFTER_SECONDS = 2;

/** A request in the line; it leaves it when admitted, when its wait runs out or when its visitor leaves. */
interface Waiter {
  /** Hands it a place: it runs, and passes the place on when done. */
  admit: () => void;
}

export const concurrencyLimit = <E extends RelayEnv>({ max, queueMs, log }: ConcurrencyLimitOptions): MiddlewareHandler<E> => {
  let active = 0;
  /** The waiting requests, oldest first. */
  const line: Waiter[] = [];
  let lastWarnedAt = 0;

  /** Takes a waiter out of the line; false when it is no longer there (admitted meanwhile). */
  const leave = (waiter: Waiter) => {
    const at = line.indexOf(waiter);
    if (at === -1) return false;
    line.splice(at, 1);
    return true;
  };

  /** A finished request's place goes straight to the oldest waiting, or is given back. */
  const release = () => {
    const next = line.shift();
    if (next === undefined) active--;
    else next.admit();
  };

  /** Resolves true once a place is this request's; false when its wait ran out or its visitor left first. */
  const turn = (signal: AbortSignal) =>
    new Promise<boolean>((resolve) => {
      const done = (admitted: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', left);
        resolve(admitted);
      };
      const waiter: Waiter = { admit: () => done(true) };
      const left = () => {
        if (leave(waiter)) done(false);
      };
      const timer = setTimeout(left, queueMs);
      signal.addEventListener('abort', left);
      line.push(waiter);
    });

  const turnedAway = (c: Context<E>) => {
    // One line a minute at most: a flood must not fill the log.
    const now = Date.now();
    if (now - lastWarnedAt > 60_000) {
      lastWarnedAt = now;
      log.warn('relay busy: a ticket was turned away, the line full or its wait over (RELAY_TICKET_CONCURRENCY, RELAY_TICKET_QUEUE_MS)', {
        max,
        waiting: line.length,
        queueMs,
      });
    }
    return busy(c);
  };
  const busy = (c: Context<E>) => errorResponse(c, 'upstream_busy', { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } });

  return async (c, next) => {
    if (active < max) active++;
    else {
      if (queueMs === 0 || line.length >= QUEUE_CAPACITY) return turnedAway(c);
      // A visitor who leaves while waiting (the connection closed) needs no ticket made: a retry of
      // theirs is a request of its own, with the same key. Its place in the line is free at once.
      const { signal } = c.req.raw;
      if (signal.aborted) return busy(c);
      if (!(await turn(signal))) return signal.aborted ? busy(c) : turnedAway(c);
    }
    try {
      await next();
    } finally {
      release();
    }
  };
};
