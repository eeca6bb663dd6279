/**
 * One call to the relay with everything around it: a per-attempt timeout, the caller's abort
 * signal, retries of transient failures with backoff, and the relay's answer read into a typed
 * result. Tickets and the form definition both go through here.
 */
import { FIELD_ISSUE_TEXT_EN, type FieldIssue, type FieldIssueCode } from '../shared/field-issues';
import { RELAY_ERROR_CODES, type RelayErrorCode, type RelayFieldError } from '../shared/relay-contract';
import { fail, ok, type Result } from '../shared/result';
import { parseRetryAfter } from '../shared/retry-after';

/** Why a call failed: a relay code, or what went wrong before the relay could answer. */
export type RelayCallErrorCode = RelayErrorCode | 'network' | 'timeout' | 'bad_response' | 'aborted';

export interface RelayCallFailure {
  code: RelayCallErrorCode;
  /** For `validation`: the fields the relay refused. */
  fields?: FieldIssue[];
  /** For `rate_limited`: how long the relay asked us to wait. */
  retryAfterMs?: number;
  /** For `identity_*`: the relay's English reason (which check failed), for the integrator's console; never shown to visitors. */
  message?: string;
}

/** Success carries what `read` made of the body. */
export type RelayCallResult<T> = Result<T, RelayCallFailure>;

export interface RelayCallOptions {
  /** Base URL of the relay. */
  relay: string;
  /** Per-attempt time limit. */
  timeoutMs?: number;
  /** Retries after the first attempt, for transient failures only. */
  retries?: number;
  /**
   * No retry starts later than this after the first attempt did: a ticket keeps trying for about
   * as long as a relay takes to restart, the form and uploads give up sooner (by `retries`).
   */
  retryForMs?: number;
  fetch?: typeof fetch;
  /** Waits between attempts; may end early when `signal` aborts (the call then returns `aborted`). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** The clock for `retryForMs`. */
  now?: () => number;
  /** Called before each retry, with the retry's number (1-based). */
  onRetry?: (retry: number) => void;
}

/** The first retry's backoff; it doubles with each retry, up to MAX_DELAY_MS. */
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;
/** A `Retry-After` longer than this is not waited for: the visitor is told to try later. */
const MAX_RETRY_AFTER_MS = 30_000;

/** Error code for an answer whose body is not ours (a proxy's HTML page, say). */
function codeForStatus(status: number): RelayCallErrorCode {
  if (status === 429) return 'rate_limited';
  if (status === 413) return 'payload_too_large';
  if (status === 504) return 'upstream_timeout';
  if (status >= 500) return 'upstream_unavailable';
  return 'bad_response';
}

const isRelayCode = (code: string): code is RelayErrorCode => (RELAY_ERROR_CODES as readonly string[]).includes(code);

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** The field issues of a relay validation error, keeping only well-formed entries. */
function readFields(fields: unknown): FieldIssue[] | undefined {
  if (!Array.isArray(fields)) return undefined;
  return fields
    .filter((field): field is RelayFieldError => isRecord(field) && typeof field.path === 'string' && typeof field.code === 'string')
    .map(({ path, code: raw, limit }) => {
      // A code from a newer relay that this widget has no words for reads as plain "invalid".
      const code: FieldIssueCode = raw in FIELD_ISSUE_TEXT_EN ? raw : 'invalid';
      return { path, code, limit: typeof limit === 'number' ? limit : undefined };
    });
}

/**
 * Reads a relay error into a failure, trusting nothing about its body. (Hand-written checks of
 * the small shapes in relay-contract.ts rather than a schema: they cost the bundle less.)
 */
export function readFailure(status: number, body: unknown, retryAfter: string | null): RelayCallFailure {
  const error = isRecord(body) && isRecord(body.error) ? body.error : {};
  const code = typeof error.code === 'string' && isRelayCode(error.code) ? error.code : codeForStatus(status);
  return {
    code,
    fields: readFields(error.fields),
    retryAfterMs: parseRetryAfter(retryAfter),
    // Only an identity refusal needs its reason: the code alone cannot say which check failed.
    message: code.startsWith('identity') && typeof error.message === 'string' ? error.message : undefined,
  };
}

/**
 * An answer as a result: a failure read from a status outside 2xx, else what `read` made of the
 * body (a bad response when it made nothing of it). A body that is not JSON (a proxy's HTML page,
 * say) is judged by its status. Both ways of calling the relay (fetch, and XMLHttpRequest for
 * uploads) read answers here.
 */
export function readAnswer<T>(status: number, text: string, retryAfter: string | null, read: (body: unknown) => T | undefined): RelayCallResult<T> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: judged by status
  }
  if (status < 200 || status > 299) return fail(readFailure(status, body, retryAfter));
  const value = read(body);
  return value === undefined ? fail({ code: 'bad_response' }) : ok(value);
}

/**
 * Bounds one attempt by a time limit and by the caller's signal, calling `stop` on either. `arm`
 * (re)starts the time limit; `end` lets go of both; `failure` says why an attempt that threw or
 * was stopped failed: the caller aborted it, it timed out, or else the network failed.
 */
export function boundAttempt(stop: () => void, signal?: AbortSignal) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  signal?.addEventListener('abort', stop, { once: true });
  return {
    arm(ms: number) {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, ms);
    },
    end() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
    },
    failure: (): RelayCallResult<never> => fail({ code: signal?.aborted ? 'aborted' : timedOut ? 'timeout' : 'network' }),
  };
}

/**
 * Transient failures are worth another try: the network, a timeout, 408, 429 and 5xx. Never
 * other 4xx (a retry cannot fix a bad request), nor `upstream_rejected` (Socialboards said no to
 * this exact body) or `upstream_unconfirmed` (it may have created the ticket already).
 */
function isTransient(status: number | undefined, code: RelayCallErrorCode): boolean {
  if (code === 'upstream_rejected' || code === 'upstream_unconfirmed') return false;
  if (status === undefined) return code === 'network' || code === 'timeout';
  return status === 408 || status === 429 || status >= 500;
}

/** What one call sends, and how a successful answer's body becomes a result (undefined: malformed). */
export interface RelayRequest<T> {
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  read: (body: unknown) => T | undefined;
}

/** Waits `ms`, or less when `signal` aborts: a time limit with nothing to bound. */
const abortableSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const bound = boundAttempt(() => {
      bound.end();
      resolve();
    }, signal);
    bound.arm(ms);
  });

export type RelayCall = <T>(request: RelayRequest<T>, signal?: AbortSignal) => Promise<RelayCallResult<T>>;

/** Creates the function every relay request goes through. */
export function createRelayCall(options: RelayCallOptions): RelayCall {
  const {
    relay,
    // Above the relay's own upstream limit (RELAY_UPSTREAM_TIMEOUT_MS, 15 s), so the relay's answer
    // (a ticket id, or a 504 we may retry) normally arrives before the browser gives up.
    timeoutMs = 30_000,
    retries = 3,
    retryForMs = Infinity,
    fetch: fetchImpl = (...args) => globalThis.fetch(...args),
    sleep = abortableSleep,
    random = Math.random,
    now = Date.now,
    onRetry,
  } = options;
  const base = relay.replace(/\/+$/, '');

  /** One attempt, bounded by its own timeout and by the caller's signal. */
  async function attempt<T>(request: RelayRequest<T>, signal?: AbortSignal): Promise<{ status?: number; result: RelayCallResult<T> }> {
    // An abort event never fires for a signal that is already aborted, so check before sending.
    if (signal?.aborted) return { result: fail({ code: 'aborted' }) };
    const controller = new AbortController();
    const bound = boundAttempt(() => controller.abort(), signal);
    bound.arm(timeoutMs);
    try {
      const response = await fetchImpl(`${base}${request.path}`, {
        method: request.method ?? 'GET',
        headers: request.headers ?? {},
        body: request.body ?? null,
        credentials: 'omit',
        signal: controller.signal,
      });
      const text = await response.text();
      return { status: response.status, result: readAnswer(response.status, text, response.headers.get('Retry-After'), request.read) };
    } catch {
      return { result: bound.failure() };
    } finally {
      bound.end();
    }
  }

  return async function call(request, signal) {
    const started = now();
    for (let retry = 0; ; retry++) {
      const { status, result } = await attempt(request, signal);
      // Offline, waiting helps nothing: the outbox waits for the browser's `online` event instead.
      if (result.ok || retry >= retries || !isTransient(status, result.error.code) || globalThis.navigator?.onLine === false) return result;
      // Exponential backoff with "equal jitter": half fixed, half random, so many widgets
      // that failed together do not come back together.
      const backoff = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** retry);
      let delay = backoff / 2 + random() * (backoff / 2);
      const { retryAfterMs } = result.error;
      if (retryAfterMs !== undefined) {
        if (retryAfterMs > MAX_RETRY_AFTER_MS) return result;
        delay = retryAfterMs;
      }
      if (now() - started + delay > retryForMs) return result;
      await sleep(delay, signal);
      if (signal?.aborted) return fail({ code: 'aborted' });
      onRetry?.(retry + 1);
    }
  };
}
