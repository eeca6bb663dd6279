/** The idempotency store contract: reserve a key before the upstream call, then complete or release it. */

/** An answer the relay gave, kept so that a retry with the same key gets the same answer. */
export interface StoredResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** What `reserve` found. */
export type Reservation =
  /** The caller now holds the key and must `complete` or `release` it. */
  | { status: 'reserved' }
  /** The same request already got a final answer: answer with this, do not call upstream. */
  | { status: 'replay'; response: StoredResponse }
  /** The same request is being processed right now: wait for its answer. */
  | { status: 'in_flight'; outcome: Promise<StoredResponse> }
  /** The key was used for a different request. */
  | { status: 'conflict' };

/**
 * Where idempotency keys live. `reserve` must be atomic (check-and-claim in one step, like
 * Redis `SET NX` or an SQLite `INSERT` on a primary key): reserving before the upstream write
 * is what keeps two overlapping retries from both creating a ticket.
 */
export interface IdempotencyStore {
  /** Claims `key` for a request with this `fingerprint`, or reports who has it. */
  reserve(key: string, fingerprint: string): Promise<Reservation>;
  /** Keeps a final answer (a success, or `upstream_unconfirmed`) until the TTL ends; requests waiting on the key receive it. */
  complete(key: string, response: StoredResponse): Promise<void>;
  /** Forgets the key so a retry may go upstream again; requests waiting on it receive `response` once. */
  release(key: string, response: StoredResponse): Promise<void>;
}
