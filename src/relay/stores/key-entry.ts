/**
 * The idempotency key's state machine as pure functions over one stored entry, shared by the
 * memory and SQLite stores (each runs them inside its own atomic step); the Redis store's Lua
 * scripts follow the same rules, and one contract suite holds all three to them.
 */
import type { CompleteOptions, KeyState, Reservation, StoredResponse, UnresolvedKey } from './idempotency-store';
import { RELEASED_KEEP_MS } from './idempotency-store';

/** One key as a store keeps it. */
export interface KeyEntry {
  fingerprint: string;
  state: 'held' | 'done' | 'released' | 'unresolved';
  /** The lease holder while held; the holder that released it, for its waiters. */
  holder: string | null;
  leaseExpiresAt: number;
  /** Some attempt may have reached Socialboards: set before sending, and kept by an uncertain takeover. */
  sent: boolean;
  /** The final answer (done), or the released answer. */
  response: StoredResponse | null;
  /** When it became unresolved. */
  since: number;
  /** When the entry is forgotten; null: kept until it changes (sent, unresolved). */
  expiresAt: number | null;
}

/** What a change does: its result, and the entry to store (`null` deletes it; `undefined` leaves it as it is). */
export interface Change<T> {
  result: T;
  next?: KeyEntry | null;
}

/** Times and settings every transition needs. */
export interface Clock {
  now: number;
  leaseMs: number;
  ttlMs: number;
}

/** The entry as a waiting request sees it. A held entry whose holder died after it began sending is unresolved. */
export function viewOf(entry: KeyEntry | undefined, now: number): KeyState | undefined {
  if (entry === undefined || (entry.expiresAt !== null && entry.expiresAt <= now)) return undefined;
  const { fingerprint } = entry;
  switch (entry.state) {
    case 'held':
      if (entry.sent && entry.leaseExpiresAt <= now) return { state: 'unresolved', fingerprint, since: entry.leaseExpiresAt };
      return { state: 'held', fingerprint, holder: entry.holder ?? '', leaseExpiresAt: entry.leaseExpiresAt };
    case 'done':
      return { state: 'done', fingerprint, response: entry.response as StoredResponse };
    case 'released':
      return { state: 'released', fingerprint, holder: entry.holder ?? '', response: entry.response as StoredResponse };
    case 'unresolved':
      return { state: 'unresolved', fingerprint, since: entry.since };
  }
}

/** An entry held by `holder` under a fresh lease; not yet sent, so forgotten a TTL after its lease lapses. */
const held = (fingerprint: string, holder: string, { now, leaseMs, ttlMs }: Clock): KeyEntry => ({
  fingerprint,
  state: 'held',
  holder,
  leaseExpiresAt: now + leaseMs,
  sent: false,
  response: null,
  since: 0,
  expiresAt: now + leaseMs + ttlMs,
});

/** See `IdempotencyStore.reserve`; `holder` is the id the caller gets if it wins. */
export function reserve(
  entry: KeyEntry | undefined,
  request: { fingerprint: string; holder: string; takeUnresolved: boolean },
  clock: Clock,
): Change<Reservation> {
  const { fingerprint, holder, takeUnresolved } = request;
  const view = viewOf(entry, clock.now);
  if (view === undefined || view.state === 'released') {
    const next = held(fingerprint, holder, clock);
    return { result: { status: 'reserved', lease: { holder, expiresAt: next.leaseExpiresAt } }, next };
  }
  if (view.fingerprint !== fingerprint) return { result: { status: 'conflict' } };
  switch (view.state) {
    case 'done':
      return { result: { status: 'replay', response: view.response } };
    case 'held': {
      if (view.leaseExpiresAt > clock.now) return { result: { status: 'in_flight', holder: view.holder } };
      // Its holder died before sending anything: taking over is as safe as a new reservation.
      const next = held(fingerprint, holder, clock);
      return { result: { status: 'reserved', lease: { holder, expiresAt: next.leaseExpiresAt } }, next };
    }
    case 'unresolved': {
      if (!takeUnresolved) {
        // A holder that died after sending becomes unresolved for good, so it is listed and settled like the others.
        const next = entry?.state === 'held' ? unresolved(entry, view.since) : undefined;
        return { result: { status: 'unresolved', since: view.since }, next };
      }
      const next: KeyEntry = { ...held(fingerprint, holder, clock), sent: true, since: view.since, expiresAt: null };
      return { result: { status: 'reserved', lease: { holder, expiresAt: next.leaseExpiresAt }, uncertainSince: view.since }, next };
    }
  }
}

const unresolved = (entry: KeyEntry, since: number): KeyEntry => ({
  ...entry,
  state: 'unresolved',
  holder: null,
  leaseExpiresAt: 0,
  sent: true,
  since,
  expiresAt: null,
});

/** The holder's own entry, or undefined when it lost it (taken over, settled, expired). */
const heldBy = (entry: KeyEntry | undefined, holder: string, now: number) =>
  entry !== undefined && entry.state === 'held' && entry.holder === holder && (entry.expiresAt === null || entry.expiresAt > now)
    ? entry
    : undefined;

/** Applies `change` to the holder's entry; `false` and no change when it does not hold the key. */
const asHolder = (entry: KeyEntry | undefined, holder: string, now: number, change: (mine: KeyEntry) => KeyEntry | null): Change<boolean> => {
  const mine = heldBy(entry, holder, now);
  return mine === undefined ? { result: false } : { result: true, next: change(mine) };
};

/** See `IdempotencyStore.renew`: a fresh lease; a holder that has not sent is still forgotten a TTL after it. */
export const renew = (entry: KeyEntry | undefined, holder: string, { now, leaseMs, ttlMs }: Clock) =>
  asHolder(entry, holder, now, (mine) => ({
    ...mine,
    leaseExpiresAt: now + leaseMs,
    expiresAt: mine.sent ? null : now + leaseMs + ttlMs,
  }));

/** See `IdempotencyStore.markSending`: from now on the key is never forgotten or freed by a lapsed lease. */
export const markSending = (entry: KeyEntry | undefined, holder: string, { now, leaseMs }: Clock) =>
  asHolder(entry, holder, now, (mine) => ({ ...mine, sent: true, leaseExpiresAt: now + leaseMs, expiresAt: null }));

const done = (entry: KeyEntry, response: StoredResponse, { now, ttlMs }: Clock, { keep = false }: CompleteOptions = {}): KeyEntry => ({
  ...entry,
  state: 'done',
  holder: null,
  leaseExpiresAt: 0,
  response,
  expiresAt: keep ? null : now + ttlMs,
});

/** See `IdempotencyStore.complete`. */
export const complete = (entry: KeyEntry | undefined, holder: string, response: StoredResponse, clock: Clock, options: CompleteOptions = {}) =>
  asHolder(entry, holder, clock.now, (mine) => done(mine, response, clock, options));

/** See `IdempotencyStore.replaceAnswer`. */
export function replaceAnswer(entry: KeyEntry | undefined, response: StoredResponse, clock: Clock): Change<boolean> {
  return entry !== undefined && viewOf(entry, clock.now)?.state === 'done' ? { result: true, next: done(entry, response, clock) } : { result: false };
}

/** See `IdempotencyStore.release`: the answer stays readable for the waiters a while, under the holder's id. */
export const release = (entry: KeyEntry | undefined, holder: string, response: StoredResponse, { now }: Clock) =>
  asHolder(entry, holder, now, (mine) => ({
    ...mine,
    state: 'released',
    leaseExpiresAt: 0,
    sent: false,
    response,
    since: 0,
    expiresAt: now + RELEASED_KEEP_MS,
  }));

/** See `IdempotencyStore.markUnresolved`. */
export const markUnresolved = (entry: KeyEntry | undefined, holder: string, { now }: Clock) =>
  asHolder(entry, holder, now, (mine) => unresolved(mine, now));

/** See `IdempotencyStore.settle`. */
export function settle(entry: KeyEntry | undefined, response: StoredResponse, clock: Clock): Change<boolean> {
  return entry !== undefined && viewOf(entry, clock.now)?.state === 'unresolved'
    ? { result: true, next: done(entry, response, clock) }
    : { result: false };
}

/** The entry as an unresolved key, if it is one now. */
export function unresolvedKey(key: string, entry: KeyEntry, now: number): UnresolvedKey | undefined {
  const view = viewOf(entry, now);
  return view?.state === 'unresolved' ? { key, fingerprint: view.fingerprint, since: view.since } : undefined;
}
