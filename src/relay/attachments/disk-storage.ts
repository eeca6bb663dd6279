/**
 * Uploads on local disk: `<dir>/<first two characters of the key>/<key>` with its metadata in
 * `<key>.json`. Bytes go to `<key>.partial` and are renamed into place when complete; metadata is
 * written to a temporary name and renamed, so a reader never sees half a file or half a sidecar.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { KEY_PATTERN } from './reference';
import type { AttachmentStorage, Download, ListedFile, StoredMeta } from './storage';

const KEY_LENGTH = 32;

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** Creates the storage. Nothing touches the disk until the first upload (the folder is created then). */
export function createDiskStorage(dir: string): AttachmentStorage {
  const folderOf = (key: string) => join(dir, key.slice(0, 2));
  const pathOf = (key: string, suffix = '') => join(folderOf(key), `${key}${suffix}`);

  const getMeta = async (key: string): Promise<StoredMeta | undefined> => {
    try {
      return JSON.parse(await readFile(pathOf(key, '.json'), 'utf8')) as StoredMeta;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  };

  const remove = async (path: string) => {
    try {
      await unlink(path);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  };

  return {
    async put(key: string, body: Readable) {
      await mkdir(folderOf(key), { recursive: true });
      const partial = pathOf(key, '.partial');
      const file = createWriteStream(partial, { flags: 'wx' });
      try {
        await pipeline(body, file);
        await rename(partial, pathOf(key));
      } catch (error) {
        // A body that fails at once fails the pipeline before the file is open; the open still
        // creates it, so the file is removed only once its stream has closed.
        if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
        await remove(partial);
        throw error;
      }
    },

    getMeta,

    async setMeta(key: string, meta: StoredMeta) {
      const temporary = pathOf(key, `.json.${randomBytes(6).toString('hex')}.tmp`);
      await writeFile(temporary, JSON.stringify(meta));
      await rename(temporary, pathOf(key, '.json'));
    },

    async download(key: string): Promise<Download | undefined> {
      try {
        const handle = await open(pathOf(key), 'r');
        return { stream: handle.createReadStream() };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    async delete(key: string) {
      let names: string[];
      try {
        names = await readdir(folderOf(key));
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      // The sidecar last: until it goes, the file still counts as stored, and a failed delete is retried.
      const mine = names.filter((name) => name.startsWith(key)).sort((a, b) => Number(a.endsWith('.json')) - Number(b.endsWith('.json')));
      for (const name of mine) await remove(join(folderOf(key), name));
    },

    async *list(): AsyncIterable<ListedFile> {
      let folders: string[];
      try {
        folders = await readdir(dir);
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      for (const folder of folders.filter((name) => /^[\da-f]{2}$/.test(name))) {
        const modified = new Map<string, number>();
        let names: string[];
        try {
          names = await readdir(join(dir, folder));
        } catch (error) {
          if (isMissing(error)) continue;
          throw error;
        }
        for (const name of names) {
          const key = name.slice(0, KEY_LENGTH);
          if (!KEY_PATTERN.test(key)) continue;
          try {
            const { mtimeMs } = await stat(join(dir, folder, name));
            modified.set(key, Math.max(modified.get(key) ?? 0, mtimeMs));
          } catch (error) {
            if (!isMissing(error)) throw error;
          }
        }
        for (const [key, modifiedAt] of modified) yield { key, modifiedAt };
      }
    },
  };
}
