/** An in-memory AttachmentStorage for unit tests of what sits on top of storage (claims, sweep). */
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { AttachmentStorage, ListedFile, StoredMeta } from '../../../src/relay/attachments/storage';

export function memoryStorage(now: () => number = Date.now) {
  const bytes = new Map<string, Buffer>();
  const metas = new Map<string, StoredMeta>();
  const modified = new Map<string, number>();
  const storage: AttachmentStorage = {
    async put(key, body) {
      bytes.set(key, await buffer(body));
      modified.set(key, now());
    },
    getMeta: async (key) => metas.get(key),
    async setMeta(key, meta) {
      metas.set(key, meta);
      modified.set(key, now());
    },
    download: async (key) => {
      const stored = bytes.get(key);
      return stored === undefined ? undefined : { stream: Readable.from([stored]) };
    },
    async delete(key) {
      bytes.delete(key);
      metas.delete(key);
      modified.delete(key);
    },
    async *list(): AsyncIterable<ListedFile> {
      // Keys and times only, as the storage contract asks: the sweep reads each file's metadata itself.
      for (const key of new Set([...bytes.keys(), ...metas.keys()])) yield { key, modifiedAt: modified.get(key) ?? 0 };
    },
  };
  return { storage, bytes, metas };
}
