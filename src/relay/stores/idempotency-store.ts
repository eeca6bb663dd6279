/**
 * The idempotency store contract: a key is reserved under a lease before the upstream call, then
 * completed, released, or left unresolved when the call may have created the ticket.
 */

/** An answer the relay gave, kept so that a retry with the same key gets the same answer. */
export interface StoredResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/**
 * A reservation's lease: who holds the key, and until when unless renewed. A holder whose
 * process died stops renewing, and once `expiresAt` passes the next request takes the key over.
 */
export interface Lease {
  holder: string;
  expiresAt: number;
}

/** What `reserve` found. */
export type Reservation =
  /**
   * The caller now holds the key and must `complete`, `release` or `markUnresolved` it (renewing the
   * lease while it works). With `uncertainSince`, an earlier attempt may have created the ticket
   * (since that time): the caller must look for it before sending again.
   */
  | { status: 'reserved'; lease: Lease; uncertainSince?: number }
  /** The same request already got a final answer: answer with this, do not call upstream. */
  | { status: 'replay'; response: StoredResponse }
  /** Another request holds the key under a live lease: wait for it (poll `lookup`). */
  | { status: 'in_flight'; holder: string }
  /** The key was used for a different request. */
  | { status: 'conflict' }
  /** An earlier attempt may have created the ticket and nobody knows yet: do not send it again. */
  | { status: 'unresolved'; since: number };

/** How a key stands now, for a request waiting on it. Expired answers read as absent. */
export type KeyState =
  | { state: 'held'; fingerprint: string; holder: string; leaseExpiresAt: number }
  | { state: 'done'; fingerprint: string; response: StoredResponse }
  /** Freed after a failure that certainly created nothing; `response` is kept briefly for the requests that waited on `holder`. */
  | { state: 'released'; fingerprint: string; holder: string; response: StoredResponse }
  /** Marked unresolved, or held by a holder that died after it began sending. */
  | { state: 'unresolved'; fingerprint: string; since: number };

/** A key whose ticket may or may not exist, for whoever settles it (an operator, the outbox). */
export interface UnresolvedKey {
  key: string;
  fingerprint: string;
  /** When the attempt that may have created the ticket ended (or its holder's lease lapsed). */
  since: number;
}

export interface ReserveOptions {
  /**
   * Hand an unresolved key to the caller (`reserved` with `uncertainSince`) instead of answering
   * `unresolved`: only for a caller that can find out whether the ticket exists.
   */
  takeUnresolved?: boolean;
}

export interface CompleteOptions {
  /** Keep the answer until it is replaced, instead of for the TTL. */
  keep?: boolean;
}

/**
 * Where idempotency keys live, shared by every relay process that uses the same store. Every
 * method is atomic (one SQLite transaction, one Redis script): two requests racing for a key
 * never both get `reserved`, and a holder's write is a compare-and-set on its holder id, so a
 * holder whose lease was taken over can no longer change the key.
 */
export interface IdempotencyStore {
  /** Claims `key` for a request with this `fingerprint`, takes over a lapsed lease, or reports who has it. */
  reserve(key: string, fingerprint: string, options?: ReserveOptions): Promise<Reservation>;
  /** The key's state now (read only), for a request waiting on another's answer. */
  lookup(key: string): Promise<KeyState | undefined>;
  /** Extends the holder's lease; false when it no longer holds the key. */
  renew(key: string, holder: string): Promise<boolean>;
  /**
   * Records, before the upstream call goes out, that the ticket may exist from now on: if the
   * holder dies, the key becomes unresolved rather than free. Renews the lease. False when the
   * holder no longer holds the key: it must not send.
   */
  markSending(key: string, holder: string): Promise<boolean>;
  /**
   * Keeps a final answer (a success, or `upstream_unconfirmed`) for the TTL, or with `keep` until
   * `replaceAnswer` (the outbox's `202 queued`: a retry must never find the key forgotten and send
   * the ticket again while it waits to be delivered). False when the holder lost the key.
   */
  complete(key: string, holder: string, response: StoredResponse, options?: CompleteOptions): Promise<boolean>;
  /**
   * Replaces a final answer and starts its TTL from now: the outbox delivered the ticket (the `201`
   * takes the place of the `202`), or an operator dropped it. False when the key has no final answer.
   */
  replaceAnswer(key: string, response: StoredResponse): Promise<boolean>;
  /** Frees the key after a failure that certainly created nothing, so a retry may go upstream again. */
  release(key: string, holder: string, response: StoredResponse): Promise<boolean>;
  /** The upstream call may have created the ticket: the key is kept, and no retry sends it blindly. */
  markUnresolved(key: string, holder: string): Promise<boolean>;
  /** Unresolved keys, oldest first (the seam for whoever settles them). */
  listUnresolved(limit: number): Promise<UnresolvedKey[]>;
  /** Completes an unresolved key with its final answer, once known; false when it is not unresolved (any more). */
  settle(key: string, response: StoredResponse): Promise<boolean>;
  /** Stops timers and closes connections or files the store opened. */
  close(): Promise<void>;
}

/** How long a lease lasts without renewal: holders renew it every third of that. */
export const DEFAULT_LEASE_MS = 10_000;

/** How long a released key's answer stays readable for the requests that waited on it. */
export const RELEASED_KEEP_MS = 60_000;
