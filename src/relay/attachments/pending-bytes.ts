/**
 * The caps on bytes of uploads no ticket has taken yet: one for the relay (RELAY_ATTACHMENT_PENDING_MB),
 * so uploads that never reach a ticket cannot fill the disk or the bucket before the sweep deletes
 * them, a share of it per client (RELAY_ATTACHMENT_PENDING_CLIENT_MB), so one client cannot fill it
 * for everyone, and a share per network (RELAY_ATTACHMENT_PENDING_NETWORK_MB: an IPv4 /24, an IPv6
 * /48), so one party cannot either by rotating through the addresses of its block. An upload
 * counts the bytes actually received, growing as they arrive, not what its Content-Length
 * declares: a client that declares 10 MB and sends nothing holds nothing.
 * Counted in this process only: with several relay instances, each counts the uploads it received.
 */
import { networkKey } from '../client/client-address';
import { fail, ok } from '../../shared/result';
import type { Result } from '../../shared/result';

/** Each upload counts at least this much: its metadata and the file system's blocks cost that anyway. */
export const MIN_COUNTED_BYTES = 4096;

/** Which cap an upload reached, and when trying again makes sense. */
export interface PendingRefusal {
  scope: PendingScope;
  retryAfterSeconds: number;
}

/** Whether an upload may go on. */
export type PendingAdmission = Result<void, PendingRefusal>;
type PendingScope = 'client' | 'network' | 'relay';

export interface PendingBytes {
  /**
   * Starts counting upload `id` of `client` at `bytes` (at least MIN_COUNTED_BYTES), when that
   * fits under every cap; nothing is counted when it does not.
   */
  admit(id: string, client: string, bytes?: number): PendingAdmission;
  /** Counts `bytes` more received for `id`; a refusal means a cap is reached and the upload must stop. */
  grow(id: string, bytes: number): PendingAdmission;
  /** Counts `bytes` under `id` whatever the caps, replacing what it counted before: an admitted upload's real size. */
  set(id: string, client: string, bytes: number): void;
  /** Stops counting `id`: a ticket took the upload, or it was refused. Unknown ids are fine. */
  release(id: string): void;
  /** Whose upload `id` is, while it is counted. */
  clientOf(id: string): string | undefined;
  /** The bytes counted now, for the relay or for one client. */
  total(client?: string): number;
}

export interface PendingBytesOptions {
  maxBytes: number;
  /** The most one client may have pending. */
  maxBytesPerClient: number;
  /** The most the clients of one network (networkKey) may have pending together. */
  maxBytesPerNetwork: number;
  /**
   * How long an upload counts at most: until the sweep may delete it (the orphan time plus the
   * lease). By then no ticket can take it, and another instance's sweep may have deleted it
   * without this process hearing of it.
   */
  holdMs: number;
  now: () => number;
}

interface Counted {
  client: string;
  /** The client's network (networkKey), worked out once. */
  network: string;
  bytes: number;
  until: number;
}

export function createPendingBytes({ maxBytes, maxBytesPerClient, maxBytesPerNetwork, holdMs, now }: PendingBytesOptions): PendingBytes {
  // In the order they lapse: every entry holds for the same time, and `set` moves one to the end.
  const counted = new Map<string, Counted>();
  const perClient = new Map<string, number>();
  const perNetwork = new Map<string, number>();
  let sum = 0;

  const addTo = (counts: Map<string, number>, key: string, bytes: number) => {
    const left = (counts.get(key) ?? 0) + bytes;
    if (left === 0) counts.delete(key);
    else counts.set(key, left);
  };
  const add = ({ client, network }: Pick<Counted, 'client' | 'network'>, bytes: number) => {
    sum += bytes;
    addTo(perClient, client, bytes);
    addTo(perNetwork, network, bytes);
  };
  const release = (id: string) => {
    const entry = counted.get(id);
    if (entry === undefined) return;
    add(entry, -entry.bytes);
    counted.delete(id);
  };
  const lapse = () => {
    const at = now();
    for (const [id, { until }] of counted) {
      if (until > at) break;
      release(id);
    }
  };
  /**
   * When enough has lapsed for `bytes` more under the cap that refused: the entries lapse in
   * order, so this is exact unless tickets take uploads sooner (then it is earlier).
   */
  type Owner = Pick<Counted, 'client' | 'network'>;
  const ownerOf = (client: string): Owner => ({ client, network: networkKey(client) });
  const retryAfter = (scope: PendingScope, { client, network }: Owner, bytes: number): number => {
    const inScope = (entry: Counted) => scope === 'relay' || (scope === 'client' ? entry.client === client : entry.network === network);
    const limit = scope === 'client' ? maxBytesPerClient : scope === 'network' ? maxBytesPerNetwork : maxBytes;
    let held = scope === 'client' ? (perClient.get(client) ?? 0) : scope === 'network' ? (perNetwork.get(network) ?? 0) : sum;
    for (const entry of counted.values()) {
      if (!inScope(entry)) continue;
      held -= entry.bytes;
      if (held + bytes <= limit) return Math.max(1, Math.ceil((entry.until - now()) / 1000));
    }
    return Math.max(1, Math.ceil(holdMs / 1000));
  };
  const refusal = (scope: PendingScope, owner: Owner, bytes: number): PendingAdmission => fail({ scope, retryAfterSeconds: retryAfter(scope, owner, bytes) });
  const check = (owner: Owner, bytes: number): PendingAdmission => {
    if ((perClient.get(owner.client) ?? 0) + bytes > maxBytesPerClient) return refusal('client', owner, bytes);
    if ((perNetwork.get(owner.network) ?? 0) + bytes > maxBytesPerNetwork) return refusal('network', owner, bytes);
    if (sum + bytes > maxBytes) return refusal('relay', owner, bytes);
    return ok(undefined);
  };
  const set = (id: string, client: string, bytes: number) => {
    release(id);
    const charged = Math.max(bytes, MIN_COUNTED_BYTES);
    const entry = { ...ownerOf(client), bytes: charged, until: now() + holdMs };
    counted.set(id, entry);
    add(entry, charged);
  };

  return {
    admit(id, client, bytes = 0) {
      lapse();
      release(id);
      const charged = Math.max(bytes, MIN_COUNTED_BYTES);
      const admission = check(ownerOf(client), charged);
      if (admission.ok) set(id, client, charged);
      return admission;
    },
    grow(id, bytes) {
      const entry = counted.get(id);
      if (entry === undefined) return ok(undefined);
      lapse();
      const admission = check(entry, bytes);
      // Counted even past the cap: the bytes arrived, and the caller stops the upload now.
      entry.bytes += bytes;
      add(entry, bytes);
      return admission;
    },
    set,
    release,
    clientOf: (id) => counted.get(id)?.client,
    total(client) {
      lapse();
      return client === undefined ? sum : (perClient.get(client) ?? 0);
    },
  };
}
