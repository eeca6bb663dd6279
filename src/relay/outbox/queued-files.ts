/**
 * The attachments of outbox tickets. A queued ticket's files are attached (and served) from the
 * moment it is queued, and again before each delivery attempt (a staged ticket's were only reserved),
 * since Socialboards fetches them as it creates the ticket; their retention counts from the latest
 * attempt. The sweep leaves every file an outbox entry refers to alone (sweep.ts); dropped, they go.
 */
import type { AttachmentStorage } from '../attachments/storage';

export interface QueuedFiles {
  /** Attached from now on: served, and kept for the retention period from now. */
  attach(keys: readonly string[]): Promise<void>;
  /** The operator dropped the ticket: nothing will ever link to its files. */
  dropped(keys: readonly string[]): Promise<void>;
}

export function queuedFiles(storage: AttachmentStorage, now: () => number): QueuedFiles {
  return {
    attach: async (keys) => {
      await Promise.all(
        keys.map(async (key) => {
          const meta = await storage.getMeta(key);
          if (meta === undefined) return;
          const { reservedUntil: _reservation, ...attached } = meta;
          await storage.setMeta(key, { ...attached, attachedAt: now() });
        }),
      );
    },
    dropped: async (keys) => {
      await Promise.all(keys.map((key) => storage.delete(key)));
    },
  };
}
