import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UploadMismatch } from '../../../src/relay/attachments/receive-upload';
import { createS3Storage, parseListing } from '../../../src/relay/attachments/s3-storage';
import type { AttachmentStorage, DirectUploads, ListedFile, StoredMeta } from '../../../src/relay/attachments/storage';
import { BUCKET, S3_KEY, startS3 } from './s3-server';
import type { RunningS3 } from './s3-server';

const META: StoredMeta = { name: 'Kvittering «mai».txt', size: 5, type: 'text/plain', createdAt: 1 };
let s3: RunningS3;
let storage: AttachmentStorage;
let prefixCount = 0;

beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3.close();
});
afterEach(() => {
  s3.checkSignedHeaders = false;
});

const settings = (prefix: string) => ({
  bucket: BUCKET,
  accessKeyId: S3_KEY,
  secretAccessKey: S3_KEY,
  region: 'us-east-1',
  endpoint: s3.endpoint,
  prefix,
  directUpload: true,
  urlTtlSeconds: 60,
});

/** A storage under a prefix of its own, so the tests do not see each other's objects. */
function fresh(): AttachmentStorage {
  prefixCount += 1;
  storage = createS3Storage({
    bucket: BUCKET,
    accessKeyId: S3_KEY,
    secretAccessKey: S3_KEY,
    region: 'us-east-1',
    endpoint: s3.endpoint,
    prefix: `test-${prefixCount}/attachments/`,
    directUpload: true,
    urlTtlSeconds: 60,
  });
  return storage;
}
const key = (n: number) => n.toString(16).padStart(32, '0');
const list = async () => {
  const files: ListedFile[] = [];
  for await (const file of storage.list()) files.push(file);
  return files;
};

describe('S3 storage (against s3rver on 127.0.0.1)', () => {
  it('stores bytes and metadata, and redirects downloads to a signed URL that serves them as attachments', async () => {
    fresh();
    await storage.put(key(1), Readable.from([Buffer.from('hel'), Buffer.from('lo')]));
    await storage.setMeta(key(1), META);

    expect(await storage.getMeta(key(1))).toEqual(META);
    const download = await storage.download(key(1), META);
    expect(download).toEqual({ redirect: expect.stringContaining('X-Amz-Signature=') });
    const url = download && 'redirect' in download ? download.redirect : '';
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('60');

    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="Kvittering _mai_.txt"; filename*=UTF-8''Kvittering%20%C2%ABmai%C2%BB.txt`);
    expect(await response.text()).toBe('hello');
  });

  it('answers no metadata for a key it does not have', async () => {
    fresh();
    expect(await storage.getMeta(key(2))).toBeUndefined();
  });

  it('stores nothing when the body fails', async () => {
    fresh();
    const failing = new Readable({
      read() {
        this.destroy(new Error('client went away'));
      },
    });
    await expect(storage.put(key(3), failing)).rejects.toThrow('client went away');
    expect(await list()).toEqual([]);
  });

  it('lists finished and unfinished files by key and time, reading no metadata, and deletes both', async () => {
    fresh();
    await storage.put(key(4), Readable.from(['x']));
    await storage.setMeta(key(4), META);
    await storage.put(key(5), Readable.from(['y']));

    const files = await list();
    expect(files.map(({ key: k, meta }) => ({ k, meta })).sort((a, b) => a.k.localeCompare(b.k))).toEqual([
      { k: key(4), meta: undefined },
      { k: key(5), meta: undefined },
    ]);
    expect(files[0]?.modifiedAt).toBeGreaterThan(Date.now() - 60_000);

    await storage.delete(key(4));
    await storage.delete(key(5));
    await storage.delete(key(6));
    expect(await list()).toEqual([]);
  });

  it('signs a PUT a browser can upload to, and reads the upload back', async () => {
    const direct = fresh().direct as DirectUploads;
    const { url, headers } = await direct.begin(key(7), { name: 'a.pdf', size: 9, createdAt: 5 });
    expect(await direct.open(key(7))).toBeUndefined();

    const put = await fetch(url, { method: 'PUT', body: '%PDF-1.4\n', headers });
    expect(put.status).toBe(200);

    expect(await direct.pending(key(7))).toEqual({ name: 'a.pdf', size: 9, createdAt: 5 });
    const opened = await direct.open(key(7));
    expect(opened?.size).toBe(9);
    const chunks: Buffer[] = [];
    for await (const chunk of opened?.body ?? []) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('%PDF-1.4\n');
    // A pending upload is listed without metadata, so the sweep deletes it if it is never completed.
    expect((await list()).map((file) => [file.key, file.meta])).toEqual([[key(7), undefined]]);

    await direct.discard(key(7));
    expect(await direct.pending(key(7))).toBeUndefined();
    expect(await list()).toEqual([]);
  });
});

describe('S3 direct uploads: the declared size', () => {
  it('refuses an empty prefix: the sweep would delete other applications’ objects named like keys', () => {
    expect(() => createS3Storage(settings(''))).toThrow('the prefix must not be empty');
  });

  it('signs the declared size into the PUT URL, so a bucket that checks signed headers (as AWS does) refuses any other length', async () => {
    const direct = fresh().direct as DirectUploads;
    const { url, headers } = await direct.begin(key(8), { name: 'a.pdf', size: 9, createdAt: 5 });
    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');

    s3.checkSignedHeaders = true;
    for (const body of ['%PDF-1.4\n and gigabytes more', '%PDF']) expect((await fetch(url, { method: 'PUT', body, headers })).status).toBe(403);
    expect(await direct.open(key(8))).toBeUndefined();
    expect((await fetch(url, { method: 'PUT', body: '%PDF-1.4\n', headers })).status).toBe(200);
    expect(await buffer((await direct.open(key(8)))?.body ?? Readable.from([]))).toEqual(Buffer.from('%PDF-1.4\n'));
  });

  it.each([
    { kind: 'larger', body: '%PDF-1.4\n and more' },
    { kind: 'smaller', body: '%PDF' },
  ])('refuses to read back an object $kind than declared (s3rver does not check the signed length)', async ({ body }) => {
    const direct = fresh().direct as DirectUploads;
    const { url, headers } = await direct.begin(key(9), { name: 'a.pdf', size: 9, createdAt: 5 });
    expect((await fetch(url, { method: 'PUT', body, headers })).status).toBe(200);

    const opened = await direct.open(key(9));

    expect(opened?.size).toBe(body.length);
    const read = buffer(opened?.body ?? Readable.from([]));
    await expect(read).rejects.toBeInstanceOf(UploadMismatch);
    await expect(read).rejects.toThrow('The file uploaded is not the size declared (9 bytes).');
  });

  it('stops downloading the object when its body is destroyed', async () => {
    const direct = fresh().direct as DirectUploads;
    const size = 16 * 1024 * 1024;
    const { url, headers } = await direct.begin(key(10), { name: 'a.bin', size, createdAt: 5 });
    expect((await fetch(url, { method: 'PUT', body: new Uint8Array(size), headers })).status).toBe(200);

    const opened = await direct.open(key(10));
    const body = opened?.body ?? Readable.from([]);
    await new Promise((resolve) => body.once('data', resolve));
    body.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));

    const download = [...s3.served.keys()].find((request) => request.startsWith('GET ') && request.endsWith(`${key(10)}.upload`)) ?? '';
    expect(s3.cut.has(download)).toBe(true);
    expect(s3.served.get(download)).toBeLessThan(size / 2);
  });
});

describe('parseListing', () => {
  it('reads keys, times and the continuation token of a ListObjectsV2 page', () => {
    const xml = `<?xml version="1.0"?><ListBucketResult><IsTruncated>true</IsTruncated>
      <Contents><Key>a/b&amp;c</Key><LastModified>2025-03-01T12:00:00.000Z</LastModified></Contents>
      <Contents><Key>a/d</Key><LastModified>2025-03-01T12:00:01.000Z</LastModified></Contents>
      <NextContinuationToken>tok+1</NextContinuationToken></ListBucketResult>`;
    expect(parseListing(xml)).toEqual({
      objects: [
        { name: 'a/b&c', modifiedAt: Date.parse('2025-03-01T12:00:00Z') },
        { name: 'a/d', modifiedAt: Date.parse('2025-03-01T12:00:01Z') },
      ],
      next: 'tok+1',
    });
    expect(parseListing('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>')).toEqual({ objects: [], next: undefined });
  });
});
