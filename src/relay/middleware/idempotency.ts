/** Idempotency middleware: one ticket per Idempotency-Key, however often or concurrently it is retried. */
import type { Context, MiddlewareHandler } from 'hono';
import { IDEMPOTENCY_HEADER, IDEMPOTENCY_KEY_PATTERN, REPLAYED_HEADER } from '../../shared/relay-contract';
import { errorResponse } from '../error-response';
import type { RelayEnv } from '../relay-env';
import type { IdempotencyStore, StoredResponse } from '../stores/idempotency-store';


/** What the middleware gives the steps after it: the submission's Idempotency-Key, for upstream log lines. */
export interface IdempotencyEnv extends RelayEnv {
  Variables: RelayEnv['Variables'] & { idempotencyKey: string };
}

export interface IdempotencyOptions<E extends IdempotencyEnv> {
  store: IdempotencyStore;
  /** What makes two requests "the same"; runs after validation, so it sees the normalised request. */
  fingerprint: (c: Context<E>) => Promise<string>;
}

/**
 * Requires an Idempotency-Key and reserves it in the store before the handler runs:
 * - a new key runs the handler. A final answer is stored for the TTL: a 2xx, or `upstream_unconfirmed`
 *   (Socialboards accepted the ticket but its answer could not be read, so sending it again would
 *   duplicate it). Any other answer releases the key, so a retry goes upstream again (validation
 *   failures never get here, so they are never stored);
 * - the same key and body while the first is in flight waits for, and returns, the first answer;
 * - the same key and body after a final answer replays it without calling upstream;
 * - the same key with a different body is a 422 `idempotency_conflict`.
 *
 * Residual risk: Socialboards' Create Ticket takes no idempotency key (docs/socialboards-api.md §10).
 * A released failure is one of two kinds. Either the ticket was certainly not created (the call
 * never left: no token, connection refused; or Socialboards refused it: a 4xx, an error
 * envelope, a 429), and a retry is safe. Or the call was sent and the outcome is unknown (a
 * timeout, a connection lost after sending, a 5xx): the key is released all the same, so the
 * visitor is not stuck, and a retry creates the ticket a second time if the first call did
 * create it. The client logs that case at warn level with the key, for an operator to reconcile.
 */
export const idempotency =
  <E extends IdempotencyEnv>({ store, fingerprint }: IdempotencyOptions<E>): MiddlewareHandler<E> =>
  async (c, next) => {
    const key = c.req.header(IDEMPOTENCY_HEADER);
    if (key === undefined || !IDEMPOTENCY_KEY_PATTERN.test(key)) return errorResponse(c, 'idempotency_key_missing');

    const reservation = await store.reserve(key, await fingerprint(c));
    switch (reservation.status) {
      case 'conflict':
        return errorResponse(c, 'idempotency_conflict');
      case 'replay':
        return replay(c, reservation.response);
      case 'in_flight':
        return replay(c, await reservation.outcome);
      case 'reserved':
        break;
    }

    let answer: StoredResponse | undefined;
    try {
      c.set('idempotencyKey', key);
      await next();
      answer = await snapshot(c.res);
    } finally {
      // Hono turns a thrown handler error into a 500 response before it gets here; the finally
      // is for a failure in this middleware itself, so the key is never left reserved forever.
      const settled = answer ?? (await snapshot(errorResponse(c, 'internal')));
      await (isFinal(c, settled) ? store.complete(key, settled) : store.release(key, settled));
    }
  };

/** An answer a retry must get again rather than a second upstream call: the ticket exists, or may. */
export function isFinal<E extends RelayEnv>(c: Context<E>, answer: Pick<StoredResponse, 'status'>): boolean {
  return (answer.status >= 200 && answer.status < 300) || c.get('errorCode') === 'upstream_unconfirmed';
}

async function snapshot(response: Response): Promise<StoredResponse> {
  const headers: Record<string, string> = {};
  for (const name of ['content-type', 'retry-after']) {
    const value = response.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return { status: response.status, body: await response.clone().text(), headers };
}

function replay<E extends RelayEnv>(c: Context<E>, stored: StoredResponse): Response {
  c.set('idempotentReplay', true);
  const response = new Response(stored.body, { status: stored.status, headers: stored.headers });
  response.headers.set(REPLAYED_HEADER, 'true');
  return response;
}
