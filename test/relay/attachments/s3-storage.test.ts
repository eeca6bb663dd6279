import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('lists finished files with metadata and unfinished ones without, and deletes both', async () => {
    fresh();
    await storage.put(key(4), Readable.from(['x']));
    await storage.setMeta(key(4), META);
    await storage.put(key(5), Readable.from(['y']));

    const files = await list();
    expect(files.map(({ key: k, meta }) => ({ k, meta })).sort((a, b) => a.k.localeCompare(b.k))).toEqual([
      { k: key(4), meta: META },
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
