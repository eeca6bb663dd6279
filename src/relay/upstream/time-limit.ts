/**
 * A call's time limit (every call the relay makes: Socialboards' and a challenge provider's): a signal that aborts with a `TimeoutError`, as `AbortSignal.timeout(ms)`'s
 * does (fetch-errors.ts's `isTimeout` reads both alike), whose timer is cleared once the call is
 * over. `AbortSignal.timeout`'s timer stays set for its whole length after the call, with a weak
 * reference and a finalization record to go with it: at the default 15 s limit and 1 400 tickets a
 * second, some 20 000 of each alive at once, each outliving the young generation's collections.
 */
export function timeLimit(ms: number): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
  // As AbortSignal.timeout's, it keeps no Node process alive (Workers' timers are numbers).
  (timer as { unref?: () => void }).unref?.();
  return { signal: controller.signal, done: () => clearTimeout(timer) };
}
