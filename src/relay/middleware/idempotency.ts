/** Idempotency middleware: one ticket per Idempotency-Key, however often, concurrently or on however many relays it is retried. */
import type { Context, MiddlewareHandler } from 'hono';
import { IDEMPOTENCY_HEADER, IDEMPOTENCY_KEY_PATTERN, REPLAYED_HEADER } from '../../shared/relay-contract';
import { errorResponse } from '../error-response';
import { answerHeader, jsonAnswerText } from '../json-answer';
import type { Logger } from '../log';
import type { RelayEnv } from '../relay-env';
import type { IdempotencyStore, Lease, Reservation, StoredResponse } from '../stores/idempotency-store';

/** What the handler holding a key may do with it. */
export interface KeyClaim {
  key: string;
  /** What the request under the key is (the outbox takes the key with it later). */
  fingerprint: string;
  /**
   * Set when an earlier attempt with this key may have created the ticket (it failed ambiguously
   * at this time, or its relay died after sending): look for that ticket before sending again.
   */
  uncertainSince: number | undefined;
  /** Call right before the upstream call goes out; false when the key was taken over meanwhile: then do not send. */
  markSending(): Promise<boolean>;
}

/** What the middleware gives the steps after it, and what they tell it back. */
export interface IdempotencyEnv extends RelayEnv {
  Variables: RelayEnv['Variables'] & {
    /** The submission's Idempotency-Key, for upstream log lines. */
    idempotencyKey: string;
    keyClaim: KeyClaim;
    /** Set by the handler when Socialboards may have created the ticket without saying so (a timeout, a 5xx). */
    outcomeUnknown: boolean;
    /** Set by the handler when the outbox took the ticket: its `202` is kept until the outbox replaces it. */
    queued: boolean;
    /**
     * A write the handler started that goes with the key's settlement (the outbox's discard of the
     * ticket's staged copy): awaited with it, and asked for in the same turn, so that a store that
     * batches its writes (SQLite's group commit) commits both at once. It must not reject.
     */
    settleWith: Promise<void>;
  };
}

export interface IdempotencyOptions<E extends IdempotencyEnv> {
  store: IdempotencyStore;
  /** What makes two requests "the same"; runs after validation, so it sees the normalised request. */
  fingerprint: (c: Context<E>) => Promise<string>;
  /**
   * Whether the handler can find out if an unresolved key's ticket exists (RELAY_SUBMISSION_KEY_FIELD):
   * then a retry of such a key runs the handler with `uncertainSince`; otherwise it is answered
   * `submission_unresolved` and Socialboards is not called.
   */
  resolvesUncertain: boolean;
  /**
   * The answer to an unresolved key the handler will not check (no `resolvesUncertain`), when there
   * is a better one than `409 submission_unresolved`: the outbox's `202` when it holds the ticket.
   * Not stored: the key stays as it is for whoever settles it.
   */
  answerUnresolved?: (c: Context<E>, key: string) => Promise<Response | undefined>;
  /** How long a request waits for another holding its key before it answers `upstream_timeout`. */
  maxWaitMs: number;
  now: () => number;
  log: Logger;
}

/** What becomes of a key once its handler answered. */
export type Settlement = 'complete' | 'unresolved' | 'release';

/** Polls of a key another request holds start this often and slow down to `MAX_POLL_MS`. */
const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 400;

/**
 * Requires an Idempotency-Key and reserves it in the (shared, durable) store before the handler runs:
 * - a new key runs the handler, which holds the key under a lease it renews while it works. Its
 *   answer settles the key: a 2xx or `upstream_unconfirmed` is stored for the TTL and replayed; an
 *   answer after which the ticket may exist without anyone knowing (`outcomeUnknown`: a timeout, a
 *   5xx, a connection lost after sending) leaves the key unresolved; any other answer (the ticket
 *   certainly does not exist) releases it, so a retry goes upstream again. Validation failures never
 *   get here, so they are never stored;
 * - the same key and body while another request (here or on another relay) holds it waits for that
 *   request's answer, polling the store (woken at once when the holder is in this process), and
 *   takes the key over if the holder's lease lapses (its process died): before it began sending,
 *   the takeover is a fresh start; after, the key is unresolved;
 * - the same key and body after a final answer replays it without calling upstream;
 * - an unresolved key is handed to the handler to check (`resolvesUncertain`), or answered
 *   `409 submission_unresolved`: never sent blindly again;
 * - the same key with a different body is a 422 `idempotency_conflict`.
 */
export const idempotency = <E extends IdempotencyEnv>(options: IdempotencyOptions<E>): MiddlewareHandler<E> => {
  const { store, fingerprint, resolvesUncertain, answerUnresolved, maxWaitMs, now, log } = options;
  const reserveOptions = { takeUnresolved: resolvesUncertain };
  // Requests in this process waiting on a key, woken when a holder here settles it.
  const sleepers = new Map<string, Set<() => void>>();

  const wake = (key: string) => {
    const waiting = sleepers.get(key);
    sleepers.delete(key);
    for (const resume of waiting ?? []) resume();
  };

  const nap = (key: string, ms: number) =>
    new Promise<void>((resolve) => {
      const waiting = sleepers.get(key) ?? new Set();
      sleepers.set(key, waiting);
      const resume = () => {
        clearTimeout(timer);
        waiting.delete(resume);
        if (waiting.size === 0 && sleepers.get(key) === waiting) sleepers.delete(key);
        resolve();
      };
      const timer = setTimeout(resume, ms);
      waiting.add(resume);
    });

  /** Waits until the key's holder settles it (or dies), then reserves again; `undefined` when the wait ran out. */
  const waitForHolder = async (key: string, print: string, first: string): Promise<Exclude<Reservation, { status: 'in_flight' }> | undefined> => {
    const deadline = now() + maxWaitMs;
    let holder = first;
    for (let delay = FIRST_POLL_MS; ; delay = Math.min(2 * delay, MAX_POLL_MS)) {
      const left = deadline - now();
      if (left <= 0) return undefined;
      await nap(key, Math.min(delay, left));
      const state = await store.lookup(key);
      if (state?.state === 'held' && state.holder === holder && state.leaseExpiresAt > now()) continue;
      // The holder's own answer, whatever it was, as if the two requests had been one.
      if (state?.state === 'done' && state.fingerprint === print) return { status: 'replay', response: state.response };
      if (state?.state === 'released' && state.holder === holder && state.fingerprint === print) return { status: 'replay', response: state.response };
      const again = await store.reserve(key, print, reserveOptions);
      if (again.status !== 'in_flight') return again;
      holder = again.holder;
    }
  };

  /** Renews the lease every third of its length until stopped. */
  const heartbeat = (key: string, lease: Lease) => {
    let stopped = false;
    const timer = setInterval(() => {
      store.renew(key, lease.holder).then(
        (held) => {
          if (!held && !stopped) log.warn('idempotency lease lost: another request took the key over', { idempotencyKey: key });
        },
        (error: unknown) => log.warn('idempotency lease could not be renewed', { idempotencyKey: key, reason: reasonOf(error) }),
      );
    }, Math.max(10, (lease.expiresAt - now()) / 3));
    timer.unref();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  };

  /** `uncertain`: an earlier attempt may have created the ticket, and this one never found out otherwise. */
  const settle = async (c: Context<E>, key: string, holder: string, answer: StoredResponse, uncertain: boolean) => {
    const settlement = settlementOf(c, answer);
    // The stored answer of a queued ticket is its 202, kept (never expired) while the outbox holds it:
    // a retry replays it and never sends the ticket itself; the outbox replaces it with the 201
    // once delivered (or starts its TTL when an operator drops it).
    if (settlement === 'complete') return store.complete(key, holder, answer, { keep: c.get('queued') === true });
    if (settlement === 'release' && !uncertain) return store.release(key, holder, answer);
    log.warn(
      resolvesUncertain
        ? 'idempotency key unresolved: the ticket may exist; a retry looks for it before sending'
        : 'idempotency key unresolved: the ticket may exist; retries are answered submission_unresolved until it is settled',
      { idempotencyKey: key },
    );
    return store.markUnresolved(key, holder);
  };

  return async (c, next) => {
    const key = c.req.header(IDEMPOTENCY_HEADER);
    if (key === undefined || !IDEMPOTENCY_KEY_PATTERN.test(key)) return errorResponse(c, 'idempotency_key_missing');

    const print = await fingerprint(c);
    const first = await store.reserve(key, print, reserveOptions);
    const reservation = first.status === 'in_flight' ? await waitForHolder(key, print, first.holder) : first;
    switch (reservation?.status) {
      case undefined:
        // The holder is alive and still working: a retry will find its answer.
        return errorResponse(c, 'upstream_timeout');
      case 'conflict':
        return errorResponse(c, 'idempotency_conflict');
      case 'replay':
        return replay(c, reservation.response);
      case 'unresolved':
        return (await answerUnresolved?.(c, key)) ?? errorResponse(c, 'submission_unresolved');
      case 'reserved':
        break;
    }

    const { lease, uncertainSince } = reservation;
    const stopHeartbeat = heartbeat(key, lease);
    // Until the handler decides to send (it looked, and found no ticket), a refusal of this retry
    // (a rate limit, a failed challenge) says nothing about the earlier attempt: the key stays unresolved.
    let uncertain = uncertainSince !== undefined;
    const markSending = async () => {
      const held = await store.markSending(key, lease.holder);
      if (held) uncertain = false;
      return held;
    };
    let answer: StoredResponse | undefined;
    try {
      c.set('idempotencyKey', key);
      c.set('keyClaim', { key, fingerprint: print, uncertainSince, markSending });
      await next();
      answer = await takeAnswer(c);
    } finally {
      stopHeartbeat();
      // Hono turns a thrown handler error into a 500 response before it gets here; the fallback
      // is for a failure in this middleware itself, so the key is never left held for good.
      const settled = answer ?? (await snapshot(errorResponse(c, 'internal')));
      try {
        const [held] = await Promise.all([settle(c, key, lease.holder, settled, uncertain), c.get('settleWith')]);
        if (!held) {
          log.warn('idempotency key was taken over before this request settled it; its answer is not stored', { idempotencyKey: key, status: settled.status });
        }
      } catch (error) {
        // The visitor still gets this answer; the key stays held until its lease lapses, then
        // the next request takes it over (as unresolved, if the ticket may have been sent).
        log.error('idempotency store failed to settle the key', { idempotencyKey: key, reason: reasonOf(error) });
      }
      wake(key);
    }
  };
};

/**
 * Whether an answer is final (a retry must get it again: the ticket exists, or was accepted), leaves
 * the ticket's existence unknown, or certainly created nothing.
 */
export function settlementOf<E extends IdempotencyEnv>(c: Context<E>, answer: Pick<StoredResponse, 'status'>): Settlement {
  if ((answer.status >= 200 && answer.status < 300) || c.get('errorCode') === 'upstream_unconfirmed') return 'complete';
  return c.get('outcomeUnknown') === true ? 'unresolved' : 'release';
}

const reasonOf = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** What is stored of an answer: its status, body and the headers a replay must repeat. */
async function snapshot(response: Response): Promise<StoredResponse> {
  return stored(response, jsonAnswerText(response) ?? (await response.text()));
}

function stored(response: Response, body: string): StoredResponse {
  const headers: Record<string, string> = {};
  for (const name of ['content-type', 'retry-after']) {
    const value = answerHeader(response, name);
    if (value !== null) headers[name] = value;
  }
  return { status: response.status, body, headers };
}

/** Statuses whose answer has no body (the Fetch standard's null body statuses). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * Reads the handler's answer to store it, and puts an identical one in its place: reading a body
 * uses it up. (A `clone()` would copy it through two streams, and the adapter would then stream the
 * visitor's copy too: on Node, a fresh answer built from a string is written in one go.)
 */
async function takeAnswer<E extends IdempotencyEnv>(c: Context<E>): Promise<StoredResponse> {
  // The relay's own JSON answers keep their text: nothing to read, nothing to put back.
  if (jsonAnswerText(c.res) !== undefined) return snapshot(c.res);
  const { status, headers } = c.res;
  const answer = await snapshot(c.res);
  // Assigning over an answer merges the old one's headers into a copy; unset first to put this one
  // in as it is (https://github.com/honojs/hono/issues/960).
  c.res = undefined;
  c.res = new Response(NULL_BODY.has(status) ? null : answer.body, { status, headers });
  return answer;
}

function replay<E extends RelayEnv>(c: Context<E>, stored: StoredResponse): Response {
  c.set('idempotentReplay', true);
  const response = new Response(stored.body, { status: stored.status, headers: stored.headers });
  response.headers.set(REPLAYED_HEADER, 'true');
  return response;
}
