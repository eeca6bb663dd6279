import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDiskStorage } from '../../../src/relay/attachments/disk-storage';
import type { AttachmentStorage, ListedFile, StoredMeta } from '../../../src/relay/attachments/storage';

const KEY = 'ab'.repeat(16);
const OTHER = 'cd'.repeat(16);
const META: StoredMeta = { name: 'a.txt', size: 5, type: 'text/plain', createdAt: 1 };

let dir: string;
let storage: AttachmentStorage;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'disk-storage-'));
  storage = createDiskStorage(join(dir, 'attachments'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const list = async () => {
  const files: ListedFile[] = [];
  for await (const file of storage.list()) files.push(file);
  return files;
};

const failing = () =>
  new Readable({
    read() {
      this.push('partial bytes');
      this.destroy(new Error('client went away'));
    },
  });

describe('disk storage', () => {
  it('touches nothing until the first upload, and lists nothing then', async () => {
    expect(await list()).toEqual([]);
    await expect(readdir(dir)).resolves.toEqual([]);
  });

  it('stores bytes under <dir>/<first two characters>/<key>, metadata beside them, and reads both back', async () => {
    await storage.put(KEY, Readable.from(['hel', 'lo']));
    await storage.setMeta(KEY, META);

    expect(await readFile(join(dir, 'attachments', 'ab', KEY), 'utf8')).toBe('hello');
    expect(await storage.getMeta(KEY)).toEqual(META);
    const download = await storage.download(KEY, META);
    expect(download && 'stream' in download && (await text(download.stream))).toBe('hello');
  });

  it('leaves nothing behind when the body fails', async () => {
    await expect(storage.put(KEY, failing())).rejects.toThrow('client went away');
    expect(await readdir(join(dir, 'attachments', 'ab'))).toEqual([]);
    expect(await storage.download(KEY, META)).toBeUndefined();
  });

  it('lists finished and unfinished files by key and time, reading no metadata (the sweep does)', async () => {
    await storage.put(KEY, Readable.from(['x']));
    await storage.setMeta(KEY, META);
    await storage.put(OTHER, Readable.from(['y']));

    const files = await list();
    expect(files.map(({ key, meta }) => ({ key, meta })).sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: KEY, meta: undefined },
      { key: OTHER, meta: undefined },
    ]);
    for (const file of files) expect(file.modifiedAt).toBeGreaterThan(Date.now() - 60_000);
  });

  it('deletes a file with its metadata, and deleting again is fine', async () => {
    await storage.put(KEY, Readable.from(['x']));
    await storage.setMeta(KEY, META);

    await storage.delete(KEY);
    await storage.delete(KEY);
    await storage.delete(OTHER);

    expect(await storage.getMeta(KEY)).toBeUndefined();
    expect(await list()).toEqual([]);
  });

  it('replaces metadata whole', async () => {
    await storage.put(KEY, Readable.from(['x']));
    await storage.setMeta(KEY, { ...META, reservedUntil: 5 });
    await storage.setMeta(KEY, { ...META, attachedAt: 9 });
    expect(await storage.getMeta(KEY)).toEqual({ ...META, attachedAt: 9 });
    expect((await readdir(join(dir, 'attachments', 'ab'))).sort()).toEqual([KEY, `${KEY}.json`]);
  });
});
