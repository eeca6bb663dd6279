/**
 * An upload's life, in one place: unattached until a ticket takes it (and deleted as an orphan if
 * none does in time), reserved while that ticket is being created, attached once it exists, and
 * deleted after the retention period. The routes and the sweep ask these questions, and only these.
 */
import type { StoredMeta } from './storage';

/** The operator's times, in milliseconds (config.ts). */
export interface Lifetimes {
  /** RELAY_ATTACHMENT_ORPHAN_MINUTES: how long an upload may wait for a ticket. */
  orphanMs: number;
  /** RELAY_ATTACHMENT_RETENTION_DAYS after the ticket; 0 keeps files forever. */
  retentionMs: number;
}

const reserved = (meta: StoredMeta, now: number) => (meta.reservedUntil ?? 0) > now;

/** An upload no ticket took in time (and none is taking now). */
export const isOrphaned = (meta: StoredMeta, now: number, { orphanMs }: Lifetimes) =>
  meta.attachedAt === undefined && !reserved(meta, now) && now - meta.createdAt > orphanMs;

/** An attached file past its retention. */
export const isRetired = (meta: StoredMeta, now: number, { retentionMs }: Lifetimes) =>
  meta.attachedAt !== undefined && retentionMs > 0 && now - meta.attachedAt > retentionMs;

/**
 * Whether the submission `owner` may take this upload now: one nobody has taken, is taking or
 * left to go stale; or one this same submission took before (a retry after an unclear outcome).
 */
export const isClaimable = (meta: StoredMeta, now: number, lifetimes: Lifetimes, owner: string) =>
  meta.owner !== undefined && meta.owner === owner
    ? !isRetired(meta, now, lifetimes)
    : meta.attachedAt === undefined && !reserved(meta, now) && !isOrphaned(meta, now, lifetimes);

/**
 * Whether `GET /files/…` serves it: from the moment a ticket reserves it (Socialboards may fetch
 * the file while it creates the ticket) until its retention ends. An upload no ticket has taken
 * is not public.
 */
export const isServed = (meta: StoredMeta, now: number, lifetimes: Lifetimes) =>
  (meta.attachedAt !== undefined || reserved(meta, now)) && !isRetired(meta, now, lifetimes);

/**
 * How long a ticket's reservation of its files holds: longer than the upstream calls of one ticket
 * can take (token, ticket, and after a 401 both again), so a relay that died mid-ticket does not
 * hold files forever.
 */
export const leaseMs = (upstreamTimeoutMs: number) => 4 * upstreamTimeoutMs + 60_000;

/** The lease with the default RELAY_UPSTREAM_TIMEOUT_MS (15 s): two minutes. */
export const DEFAULT_LEASE_MS = leaseMs(15_000);

/**
 * Whether the sweep deletes it. A file without metadata is an upload that never finished. An
 * orphan is deleted only `lease` after tickets stopped taking it: a ticket that found it
 * claimable just before its orphan time has written its reservation by then.
 */
export function isSwept(meta: StoredMeta | undefined, modifiedAt: number, now: number, lifetimes: Lifetimes, lease: number): boolean {
  if (meta === undefined) return now - modifiedAt > lifetimes.orphanMs;
  const lapsed = isOrphaned(meta, now, lifetimes) && now - meta.createdAt > lifetimes.orphanMs + lease;
  return lapsed || isRetired(meta, now, lifetimes);
}
