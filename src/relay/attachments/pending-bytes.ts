/**
 * The cap on bytes of uploads no ticket has taken yet (RELAY_ATTACHMENT_PENDING_MB), so uploads
 * that never reach a ticket cannot fill the disk or the bucket before the sweep deletes them.
 * Counted in this process only: with several relay instances, each counts the uploads it received.
 */

/** Each upload counts at least this much: its metadata and the file system's blocks cost that anyway. */
export const MIN_COUNTED_BYTES = 4096;

export interface PendingBytes {
  /** Counts `bytes` under `id` when they fit under the cap; false, and nothing counted, when they do not. */
  admit(id: string, bytes: number): boolean;
  /** Counts `bytes` under `id` whatever the cap, replacing what it counted before: an admitted upload's real size. */
  set(id: string, bytes: number): void;
  /** Stops counting `id`: a ticket took the upload, or it was refused. Unknown ids are fine. */
  release(id: string): void;
  /** The bytes counted now. */
  total(): number;
}

export interface PendingBytesOptions {
  maxBytes: number;
  /**
   * How long an upload counts at most: until the sweep may delete it (the orphan time plus the
   * lease). By then no ticket can take it, and another instance's sweep may have deleted it
   * without this process hearing of it.
   */
  holdMs: number;
  now: () => number;
}

export function createPendingBytes({ maxBytes, holdMs, now }: PendingBytesOptions): PendingBytes {
  // In the order they lapse: every entry holds for the same time, and `set` moves one to the end.
  const counted = new Map<string, { bytes: number; until: number }>();
  let sum = 0;
  const release = (id: string) => {
    sum -= counted.get(id)?.bytes ?? 0;
    counted.delete(id);
  };
  const lapse = () => {
    const at = now();
    for (const [id, { until }] of counted) {
      if (until > at) break;
      release(id);
    }
  };
  const set = (id: string, bytes: number) => {
    release(id);
    const charged = Math.max(bytes, MIN_COUNTED_BYTES);
    counted.set(id, { bytes: charged, until: now() + holdMs });
    sum += charged;
  };
  return {
    admit(id, bytes) {
      lapse();
      if (sum - (counted.get(id)?.bytes ?? 0) + Math.max(bytes, MIN_COUNTED_BYTES) > maxBytes) return false;
      set(id, bytes);
      return true;
    },
    set,
    release,
    total() {
      lapse();
      return sum;
    },
  };
}
