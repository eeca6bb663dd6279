/**
 * Protects Socialboards (and the owner's quota there) from the relay's own visitors: a bound on
 * concurrent calls whose excess waits briefly and is then shed, and a circuit breaker that stops
 * calling while Socialboards is down, so visitors hear back at once instead of after a timeout.
 * Applied to the `fetch` every Socialboards call (token included) goes through.
 *
 * Our own rather than cockatiel's, which it replaced (README, "Dependencies and why"): the wrapper
 * around cockatiel had grown a wait deadline, a race and half-open shedding of its own, and let a
 * call past the queue out as cockatiel's error, which the client took for a call that may have gone
 * out. What is left is the running calls (with when each began, so that one a runtime cancelled
 * without ending, on Workers when its visitor leaves, gives its slot and its probe back), a FIFO of
 * waiting calls and three circuit states, and one suspended function per call instead of four.
 * `test/relay/upstream-guard.test.ts` tests its rules.
 */
import type { Logger } from '../log';
import type { UpstreamAnswer, UpstreamFetch, UpstreamInit } from './upstream-fetch';
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
  /**
   * How long a call may hold its slot before the guard counts it lost, longer than any call can
   * take (each has its time limit). A call whose code the runtime cancelled (on Workers, when the
   * visitor leaves) never ends: without this its slot would stay taken, and a lost probe would
   * leave the circuit probing, every call shed, for the isolate's life. Unset: never.
   */
  lostAfterMs?: number;
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

/**
 * The circuit: `closed`, calls go out and consecutive failures are counted; `open`, none go out
 * until the pause is over; `probing`, one call (the first after the pause) tests Socialboards while
 * every other is shed at once, and its outcome closes the circuit or opens it again.
 */
type Circuit = 'closed' | 'open' | 'probing';

/** Wraps `fetch` in the bound on concurrent calls and the breaker. */
export function guardUpstream(fetch: UpstreamFetch, options: UpstreamGuardOptions): UpstreamFetch {
  const { concurrency, queueMs, breakerFailures, breakerOpenSeconds, lostAfterMs, log, now } = options;
  const openMs = breakerOpenSeconds * 1000;
  /**
   * The calls holding a slot (its size is the slots taken), each with when it began, in the order
   * they began (a Map keeps it); `probe` marks the circuit's probe.
   */
  const running = new Map<{ probe: boolean }, number>();
  /** Calls waiting for a slot, oldest first; each takes the slot it is handed. */
  const waiting: (() => void)[] = [];
  let circuit: Circuit = 'closed';
  /** Consecutive failures while closed. */
  let failures = 0;
  let openedAt = 0;

  const busy = () => new UpstreamShed('busy', Math.max(1, Math.ceil(queueMs / 1000)));

  /** The answer to a call the circuit keeps from going out now; undefined when it may go. */
  const refusal = (): UpstreamShed | undefined => {
    if (circuit === 'closed') return undefined;
    // While one probe tests a half-open circuit, the others are answered at once rather than
    // waiting for the probe (up to a whole upstream timeout).
    if (circuit === 'probing') return new UpstreamShed('open', 1);
    const left = openedAt + openMs - now();
    return left > 0 ? new UpstreamShed('open', Math.max(1, Math.ceil(left / 1000))) : undefined;
  };

  const open = () => {
    circuit = 'open';
    openedAt = now();
    log.warn('socialboards is failing; calls stop for a while (circuit open)', { openSeconds: breakerOpenSeconds, afterFailures: breakerFailures });
  };

  /**
   * A thrown error (no answer, a timeout) or a 5xx is Socialboards failing; a 4xx or 429 is an
   * answer. A call that started before the circuit opened says nothing about the probe's outcome.
   */
  const record = (probe: boolean, failed: boolean) => {
    if (probe) {
      failures = 0;
      if (failed) open();
      else {
        circuit = 'closed';
        log.info('socialboards answers again (circuit closed)');
      }
      return;
    }
    if (!failed) failures = 0;
    else if ((failures += 1) >= breakerFailures && circuit === 'closed') open();
  };

  /**
   * Hands freed slots to the oldest waiting calls. Not re-entered: a call that fails at once (its
   * fetch throwing before any wait) frees its slot inside this loop, and the loop hands it on, so a
   * thousand waiting calls never nest a thousand deep.
   */
  let draining = false;
  const drain = () => {
    if (draining) return;
    draining = true;
    try {
      while (running.size < concurrency && waiting.length > 0) waiting.shift()!();
    } finally {
      draining = false;
    }
  };

  /**
   * One call in a slot taken for it, the circuit having let it go: the first after the pause is
   * the probe. Whatever ends it other than an answer under 500 (a throw, an answer that cannot be
   * read) is a failure, so a probe always settles the circuit, never leaving it probing for good.
   */
  const run = async (input: string, init: UpstreamInit): Promise<UpstreamAnswer> => {
    const probe = circuit === 'open';
    if (probe) circuit = 'probing';
    // Takes the slot; synchronous, so that a drain loop sees it taken before it hands out the next.
    const self = { probe };
    running.set(self, now());
    let failed = true;
    try {
      const answer = await fetch(input, init);
      failed = answer.status >= 500;
      return answer;
    } finally {
      // A call counted lost meanwhile has had its slot and its probe taken back already.
      if (running.delete(self)) {
        record(probe, failed);
        drain();
      }
    }
  };

  /**
   * Takes back the slots of calls older than `lostAfterMs` (oldest first): they were cancelled
   * without ending. A lost probe lets the next call probe again (the pause is long over by then).
   */
  const reclaimLost = () => {
    if (lostAfterMs === undefined) return;
    const before = now() - lostAfterMs;
    let lost = 0;
    for (const [call, began] of running) {
      if (began > before) break;
      running.delete(call);
      lost += 1;
      if (call.probe) circuit = 'open';
    }
    if (lost === 0) return;
    log.warn('calls to Socialboards never ended (their request cancelled?); their slots taken back', { lost, lostAfterMs });
    drain();
  };

  return (input, init) => {
    // Only where something waits on a call that may never end: a full house, or a probe.
    if (running.size >= concurrency || circuit === 'probing') reclaimLost();
    // The circuit first: while it is open a call is answered at once, never queued.
    const refused = refusal();
    if (refused !== undefined) return Promise.reject(refused);
    if (running.size < concurrency) return run(input, init);
    if (waiting.length >= QUEUE_CAPACITY) return Promise.reject(busy());
    // Waits for a slot, for at most `queueMs`; then it is shed, never sent. When its turn comes the
    // circuit is asked again: opened meanwhile, it is shed then, without taking the slot.
    return new Promise<UpstreamAnswer>((resolve, reject) => {
      const queuedAt = now();
      const start = () => {
        clearTimeout(timer);
        // Its wait over, though its timer never fired (a runtime that dropped its request's timers): never sent.
        if (now() - queuedAt >= queueMs) return reject(busy());
        const shedNow = refusal();
        if (shedNow !== undefined) return reject(shedNow);
        run(input, init).then(resolve, reject);
      };
      const timer = setTimeout(() => {
        const at = waiting.indexOf(start);
        if (at >= 0) waiting.splice(at, 1);
        reject(busy());
      }, queueMs);
      waiting.push(start);
    });
  };
}

/** The result for a call the guard shed: nothing was sent, so it is safe to retry after the wait. */
export const shed = (error: UpstreamShed) => failure(error.reason === 'busy' ? 'upstream_busy' : 'upstream_unavailable', String(error.retryAfterSeconds));
