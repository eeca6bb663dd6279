/**
 * The attachment storage contract (src/relay/attachments/storage.ts), run against every
 * implementation: disk (a temporary folder), S3 (s3rver on 127.0.0.1) and R2 (workerd's, through
 * miniflare). Each backend's own layout is tested beside it (disk-storage, s3-storage tests).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiskStorage } from '../../../src/relay/attachments/disk-storage';
import { createR2Storage } from '../../../src/relay/attachments/r2-storage';
import { createS3Storage } from '../../../src/relay/attachments/s3-storage';
import type { AttachmentStorage, ListedFile, StoredMeta } from '../../../src/relay/attachments/storage';
import { useR2Bucket } from '../../workers/use-r2-bucket';
import { BUCKET, S3_KEY, startS3 } from './s3-server';
import type { RunningS3 } from './s3-server';

const META: StoredMeta = { name: 'Kvittering «mai».txt', size: 5, type: 'text/plain', createdAt: 1 };
const MiB = 1024 * 1024;

let s3: RunningS3;
let dir: string;
beforeAll(async () => {
  s3 = await startS3();
  dir = await mkdtemp(join(tmpdir(), 'storage-contract-'));
});
afterAll(async () => {
  await s3?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});
const r2 = useR2Bucket();

let fresh = 0;
/** Each backend gives every test a place of its own (a folder, a prefix), so tests do not see each other's files. */
const BACKENDS: { name: string; open(place: string): AttachmentStorage }[] = [
  { name: 'disk', open: (place) => createDiskStorage(join(dir, place)) },
  {
    name: 's3',
    open: (place) =>
      createS3Storage({
        bucket: BUCKET,
        accessKeyId: S3_KEY,
        secretAccessKey: S3_KEY,
        region: 'us-east-1',
        endpoint: s3.endpoint,
        prefix: `${place}/`,
        directUpload: false,
        urlTtlSeconds: 60,
      }),
  },
  // R2's smallest part (5 MiB), so that a few MiB take the multipart path.
  { name: 'r2', open: (place) => createR2Storage(r2(), { prefix: `${place}/`, partBytes: 5 * MiB }) },
];

const key = (n: number) => n.toString(16).padStart(32, '0');

/** A body of `size` bytes in 64 KiB chunks (a byte pattern that is not the same in every part), failing after `failAfter` bytes when given. */
function body(size: number, failAfter?: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (failAfter !== undefined && sent >= failAfter) return void this.destroy(new Error('client went away'));
      if (sent >= size) return void this.push(null);
      const chunk = Buffer.alloc(Math.min(64 * 1024, size - sent), (sent / 65_536) % 251);
      sent += chunk.length;
      this.push(chunk);
    },
  });
}
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe.each(BACKENDS)('$name attachment storage', ({ open }) => {
  const storage = () => open(`contract-${++fresh}`);
  const list = async (store: AttachmentStorage) => {
    const files: ListedFile[] = [];
    for await (const file of store.list()) files.push(file);
    return files;
  };
  /** The bytes a download gives: streamed by the relay, or behind the redirect the relay answers. */
  const downloaded = async (store: AttachmentStorage, k: string) => {
    const download = await store.download(k, META);
    if (download === undefined) return undefined;
    if ('stream' in download) return buffer(download.stream);
    return Buffer.from(await (await fetch(download.redirect)).arrayBuffer());
  };

  it('answers no metadata and no download for a key it does not have', async () => {
    const store = storage();
    expect(await store.getMeta(key(1))).toBeUndefined();
    // S3 answers a redirect without asking the bucket; the signed URL then finds nothing.
    const download = await store.download(key(1), META);
    if (download !== undefined && 'redirect' in download) expect((await fetch(download.redirect)).status).toBe(404);
    else expect(download).toBeUndefined();
  });

  it('stores bytes as they arrive and metadata beside them, and reads both back', async () => {
    const store = storage();
    await store.put(key(2), Readable.from([Buffer.from('hel'), Buffer.from('lo')]));
    await store.setMeta(key(2), META);
    expect(await store.getMeta(key(2))).toEqual(META);
    expect((await downloaded(store, key(2)))?.toString()).toBe('hello');
  });

  it('stores an empty file', async () => {
    const store = storage();
    await store.put(key(3), Readable.from([]));
    expect((await downloaded(store, key(3)))?.length).toBe(0);
  });

  it('stores a file of many chunks (more than one R2 part) byte for byte', async () => {
    const store = storage();
    const size = 11 * MiB + 123;
    await store.put(key(4), body(size));
    const expected = await buffer(body(size));
    const stored = await downloaded(store, key(4));
    expect(stored?.length).toBe(size);
    expect(sha256(stored ?? Buffer.alloc(0))).toBe(sha256(expected));
  }, 30_000);

  it.each([
    { when: 'at once', failAfter: 0 },
    { when: 'after more than one R2 part', failAfter: 6 * MiB },
  ])('rejects and leaves nothing behind when the body fails $when', async ({ failAfter }) => {
    const store = storage();
    await expect(store.put(key(5), body(8 * MiB, failAfter))).rejects.toThrow('client went away');
    expect(await list(store)).toEqual([]);
    expect(await store.getMeta(key(5))).toBeUndefined();
  }, 30_000);

  it('lists finished and unfinished files by key and time, reading no metadata (the sweep does)', async () => {
    const store = storage();
    const before = Date.now() - 60_000;
    await store.put(key(6), Readable.from(['x']));
    await store.setMeta(key(6), META);
    await store.put(key(7), Readable.from(['y']));
    const files = (await list(store)).sort((a, b) => a.key.localeCompare(b.key));
    expect(files.map(({ key: k, meta }) => ({ k, meta }))).toEqual([
      { k: key(6), meta: undefined },
      { k: key(7), meta: undefined },
    ]);
    for (const file of files) expect(file.modifiedAt).toBeGreaterThan(before);
  });

  it('deletes a file with its metadata, and deleting again, or what was never there, is fine', async () => {
    const store = storage();
    await store.put(key(8), Readable.from(['x']));
    await store.setMeta(key(8), META);
    await store.delete(key(8));
    await store.delete(key(8));
    await store.delete(key(9));
    expect(await store.getMeta(key(8))).toBeUndefined();
    expect(await list(store)).toEqual([]);
  });

  it('replaces metadata whole', async () => {
    const store = storage();
    await store.put(key(10), Readable.from(['x']));
    await store.setMeta(key(10), { ...META, reservedUntil: 5, owner: 'a' });
    await store.setMeta(key(10), { ...META, attachedAt: 9 });
    expect(await store.getMeta(key(10))).toEqual({ ...META, attachedAt: 9 });
  });
});
