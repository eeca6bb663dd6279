/**
 * The attachments of queued tickets. They are attached (and served) from the moment the ticket is
 * queued, since Socialboards fetches them when the outbox delivers it, and the sweep leaves every file
 * an outbox entry refers to alone (sweep.ts). Delivered, their retention starts; dropped, they go.
 */
import type { AttachmentStorage } from '../attachments/storage';

export interface QueuedFiles {
  /** The ticket now exists: the files' retention period counts from now. */
  delivered(keys: readonly string[]): Promise<void>;
  /** The operator dropped the ticket: nothing will ever link to its files. */
  dropped(keys: readonly string[]): Promise<void>;
}

export function queuedFiles(storage: AttachmentStorage, now: () => number): QueuedFiles {
  return {
    delivered: async (keys) => {
      await Promise.all(
        keys.map(async (key) => {
          const meta = await storage.getMeta(key);
          if (meta !== undefined) await storage.setMeta(key, { ...meta, attachedAt: now() });
        }),
      );
    },
    dropped: async (keys) => {
      await Promise.all(keys.map((key) => storage.delete(key)));
    },
  };
}
