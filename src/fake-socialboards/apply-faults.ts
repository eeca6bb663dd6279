/** Middleware that makes the next matching request fail, hang or dawdle as the queued faults say. */
import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { FAKE_ERROR_CODES, failure } from './envelope';
import type { EnvelopeBody } from './envelope';
import { MAX_HOLD_MS, takeFault } from './faults';
import { markUnanswered } from './request-log';
import type { FakeEnv } from './request-log';
import type { FakeState } from './state';

/** Resolves after `ms`, or early (with `false`) when any signal aborts. */
function pause(ms: number, signals: readonly AbortSignal[]): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (elapsed: boolean) => {
      clearTimeout(timer);
      for (const signal of signals) signal.removeEventListener('abort', stop);
      resolve(elapsed);
    };
    const stop = () => finish(false);
    const timer = setTimeout(() => finish(true), ms);
    if (signals.some((signal) => signal.aborted)) return finish(false);
    for (const signal of signals) signal.addEventListener('abort', stop, { once: true });
  });
}

// /token answers OAuth-style errors (see token-route.ts); resource endpoints answer with the envelope.
function faultAnswer(c: Context<FakeEnv>, status: 500 | 503 | 504, text: string) {
  if (c.req.path === '/token') return c.json({ error: 'server_error', error_description: text }, status);
  const code = status === 504 ? FAKE_ERROR_CODES.injectedTimeout : FAKE_ERROR_CODES.injectedFault;
  return c.json(failure(code, text), status);
}

/**
 * Applies the first queued fault that matches the request:
 * - `error`: HTTP 500 at once; the request is not processed. With `processed`, it is processed first
 *   (a ticket is created) and its answer replaced by the 500.
 * - `timeout`: no answer until the client disconnects or the server closes (at most {@link MAX_HOLD_MS},
 *   then 504); the request is not processed. With `processed`, it is processed first and its
 *   answer held back: the ticket exists by the time the client gives up.
 * - `slow`: waits `delayMs`, then processes and answers normally. The wait ends early only when the server
 *   closes: a client that gives up does not stop it, as with a real server, so a timed-out ticket is
 *   still created — the ambiguous case a relay's retry logic must survive.
 * - `refuse`: HTTP 400 with a validation envelope at once, as for a body Socialboards will not take; the
 *   request is not processed (a permanent refusal, for the relay's dead-letter list).
 * - `malformed`: processes the request, then answers a success with `data` turned into a string
 *   (`"4484636"`): accepted, but without a usable id. An error answer is left as it is.
 */
export function applyFaults(state: FakeState, random: () => number): MiddlewareHandler<FakeEnv> {
  return async (c, next) => {
    const fault = takeFault(state.faults, c.req.path, random);
    if (!fault) return next();
    // Processed first when asked: the ticket exists, whatever the client hears (or does not).
    if (fault.processed) await next();
    switch (fault.kind) {
      case 'error':
        c.res = faultAnswer(c, 500, 'Injected fault');
        return c.res;
      case 'timeout': {
        if (await pause(MAX_HOLD_MS, [c.req.raw.signal, state.releaseSignal])) {
          c.res = faultAnswer(c, 504, 'Injected timeout');
          return c.res;
        }
        // The client or the server has gone: nobody reads this answer, and the log says none was given.
        markUnanswered(c);
        c.res = faultAnswer(c, 503, 'Released');
        return c.res;
      }
      case 'refuse':
        c.res =
          c.req.path === '/token'
            ? c.json({ error: 'invalid_request', error_description: 'Injected refusal' }, 400)
            : c.json(failure(FAKE_ERROR_CODES.validation, 'Injected refusal'), 400);
        return c.res;
      case 'slow':
        await pause(fault.delayMs, [state.releaseSignal]);
        return next();
      case 'malformed': {
        await next();
        if (!c.res.ok) return;
        const body = (await c.res.json()) as EnvelopeBody<unknown>;
        c.res = c.json({ ...body, data: JSON.stringify(body.data) }, c.res.status as ContentfulStatusCode);
        return;
      }
    }
  };
}
