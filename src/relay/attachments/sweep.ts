/** Deletes orphaned uploads (never attached to a ticket in time) and attached files past their retention. */
import type { Logger } from '../log';
import { DEFAULT_LEASE_MS, isSwept } from './lifecycle';
import type { Lifetimes } from './lifecycle';
import type { AttachmentStorage } from './storage';

export interface SweepOptions {
  storage: AttachmentStorage;
  lifetimes: Lifetimes;
  /**
   * How long a ticket's reservation holds (`leaseMs` in lifecycle.ts); orphans are deleted only this
   * long after their orphan time. Defaults to the lease with the default upstream timeout.
   */
  leaseMs?: number;
  now: () => number;
  log: Logger;
  /** Storage keys the sweep must not delete whatever their age: files of tickets still in the outbox, live or dead-lettered. */
  held?: () => Promise<ReadonlySet<string>>;
}

/**
 * One pass over the storage; resolves with how many files it deleted. Each file's metadata is read
 * right before it is judged, not taken from the listing: a ticket may have reserved it since. A
 * file whose metadata cannot be read is logged and skipped, so one bad file does not stop the sweep.
 */
export async function sweepOnce({ storage, lifetimes, leaseMs = DEFAULT_LEASE_MS, now, log, held }: SweepOptions): Promise<number> {
  let deleted = 0;
  // Read before the listing: a file queued later was attached when queued, so it is not swept now either.
  const keep = (await held?.()) ?? new Set<string>();
  for await (const { key, modifiedAt } of storage.list()) {
    if (keep.has(key)) continue;
    try {
      if (!isSwept(await storage.getMeta(key), modifiedAt, now(), lifetimes, leaseMs)) continue;
    } catch (error) {
      log.warn('attachment metadata could not be read; the sweep skips it', { error: String(error) });
      continue;
    }
    try {
      await storage.delete(key);
      deleted += 1;
    } catch (error) {
      log.warn('attachment could not be deleted; trying again next sweep', { error: String(error) });
    }
  }
  return deleted;
}

/** How often the sweep runs: every five minutes, or more often when uploads are orphaned sooner. */
export const sweepIntervalMs = ({ orphanMs }: Lifetimes) => Math.max(10_000, Math.min(5 * 60_000, orphanMs / 2));

/**
 * Runs `sweepOnce` every `intervalMs` on a timer that does not keep the process alive; one pass
 * at a time. Returns `stop`, which resolves once a pass in progress has ended.
 */
export function startSweep(options: SweepOptions, intervalMs = sweepIntervalMs(options.lifetimes)): () => Promise<void> {
  let running: Promise<void> | undefined;
  const pass = () => {
    running ??= sweepOnce(options)
      .then((deleted) => {
        if (deleted > 0) options.log.info('attachments swept', { deleted });
      })
      .catch((error: unknown) => options.log.warn('attachment sweep failed', { error: String(error) }))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(pass, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
