/**
 * Protects Socialboards (and the owner's quota there) from the relay's own visitors: a bound on
 * concurrent calls whose excess waits briefly and is then shed, and a circuit breaker that stops
 * calling while Socialboards is down, so visitors hear back at once instead of after a timeout.
 * Both from cockatiel; applied to the `fetch` every Socialboards call (token included) goes through.
 */
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, bulkhead, circuitBreaker, handleWhen } from 'cockatiel';
import type { Logger } from '../log';
import type { UpstreamAnswer, UpstreamFetch } from './upstream-fetch';
import { failure } from './upstream-result';

export interface UpstreamGuardOptions {
  /** Calls to Socialboards at once (RELAY_UPSTREAM_CONCURRENCY). */
  concurrency: number;
  /** How long a call past that may wait for a slot (RELAY_UPSTREAM_QUEUE_MS). */
  queueMs: number;
  /** Consecutive failures (no answer, timeout, 5xx) that open the circuit (RELAY_BREAKER_FAILURES). */
  breakerFailures: number;
  /** How long it stays open before one probe may try again (RELAY_BREAKER_OPEN_SECONDS). */
  breakerOpenSeconds: number;
  log: Logger;
  now: () => number;
}

/** Thrown by the guarded fetch when it did not call Socialboards at all; nothing was sent. */
export class UpstreamShed extends Error {
  override readonly name = 'UpstreamShed';
  constructor(
    /** `busy`: every slot was taken for too long; `open`: Socialboards is failing and is being left alone. */
    readonly reason: 'busy' | 'open',
    /** Seconds after which trying again makes sense. */
    readonly retryAfterSeconds: number,
  ) {
    super(reason === 'busy' ? 'too many calls to Socialboards at once' : 'Socialboards is failing; not calling it for now');
  }
}

/** Waiting calls beyond this many are shed at once, whatever the wait: memory stays bounded under a flood. */
const QUEUE_CAPACITY = 1000;

/** Wraps `fetch` in the bulkhead and the breaker. */
export function guardUpstream(fetch: UpstreamFetch, options: UpstreamGuardOptions): UpstreamFetch {
  const { concurrency, queueMs, breakerFailures, breakerOpenSeconds, log, now } = options;
  const slots = bulkhead(concurrency, QUEUE_CAPACITY);
  // A thrown error (no answer, a timeout) or a 5xx is Socialboards failing; a 4xx or 429 is an answer.
  const failing = handleWhen(() => true).orWhenResult((answer: unknown) => (answer as Partial<UpstreamAnswer> | undefined)?.status !== undefined && (answer as UpstreamAnswer).status >= 500);
  const breaker = circuitBreaker(failing, {
    halfOpenAfter: breakerOpenSeconds * 1000,
    breaker: new ConsecutiveBreaker(breakerFailures),
  });
  let openedAt = 0;
  breaker.onBreak(() => {
    openedAt = now();
    log.warn('socialboards is failing; calls stop for a while (circuit open)', { openSeconds: breakerOpenSeconds, afterFailures: breakerFailures });
  });
  breaker.onReset(() => log.info('socialboards answers again (circuit closed)'));
  const retryAfterOpen = () => Math.max(1, Math.ceil((openedAt + breakerOpenSeconds * 1000 - now()) / 1000));
  /** What the caller is thrown: a shed call as `UpstreamShed`, anything else as it came. */
  const shedOrRethrow = (error: unknown) => {
    if (error instanceof BrokenCircuitError) return new UpstreamShed('open', retryAfterOpen());
    if (isBulkheadFull(error)) return new UpstreamShed('busy', Math.max(1, Math.ceil(queueMs / 1000)));
    return error;
  };

  return async (input, init) => {
    // While one probe tests a half-open circuit, the others are answered at once rather than
    // waiting for the probe (cockatiel would make them wait, up to a whole upstream timeout).
    if (breaker.state === CircuitState.HalfOpen) throw new UpstreamShed('open', 1);
    // A free slot: the call starts now, so it needs no wait timer, nor its race. (A signal of its
    // own all the same: cockatiel's default one is shared, and on Workers a signal belongs to the
    // request that first used it; another request's call that touches it fails.)
    if (slots.executionSlots > 0) {
      try {
        return await slots.execute(() => breaker.execute(() => fetch(input, init)), new AbortController().signal);
      } catch (error) {
        throw shedOrRethrow(error);
      }
    }
    const waited = new AbortController();
    const timer = setTimeout(() => waited.abort(), queueMs);
    let started = false;
    try {
      return await Promise.race([
        slots.execute(() => {
          started = true;
          clearTimeout(timer);
          return breaker.execute(() => fetch(input, init));
        }, waited.signal),
        new Promise<never>((_resolve, reject) => {
          waited.signal.addEventListener('abort', () => {
            // A call still queued is dropped when its turn comes (its signal is aborted).
            if (!started) reject(new UpstreamShed('busy', Math.max(1, Math.ceil(queueMs / 1000))));
          });
        }),
      ]);
    } catch (error) {
      throw shedOrRethrow(error);
    } finally {
      clearTimeout(timer);
    }
  };
}

function isBulkheadFull(error: unknown): boolean {
  return error instanceof Error && error.name === 'BulkheadRejectedError';
}


/** The result for a call the guard shed: nothing was sent, so it is safe to retry after the wait. */
export const shed = (error: UpstreamShed) => failure(error.reason === 'busy' ? 'upstream_busy' : 'upstream_unavailable', String(error.retryAfterSeconds));
