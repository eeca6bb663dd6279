/**
 * Uploads in S3-compatible object storage, for relays on several machines or serverless: objects
 * `<prefix><key>` and `<prefix><key>.json`, served through short-lived pre-signed GET URLs, and
 * optionally uploaded by browsers straight to the bucket with pre-signed PUT URLs.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline as pipe, Readable, Transform } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { AwsClient } from 'aws4fetch';
import type { S3Config } from './attachments-config';
import { contentDisposition } from './file-url';
import { UploadMismatch } from './receive-upload';
import { KEY_PATTERN } from './reference';
import type { AttachmentStorage, DirectUploads, Download, ListedFile, PendingUpload, StoredMeta } from './storage';

/** An S3 answer the relay did not expect. The message names the operation and status, never a signed URL. */
export class S3Error extends Error {
  override readonly name = 'S3Error';
}

/** The object name suffixes that belong to one key; the metadata last, so a half-deleted file stays listed. */
const SUFFIXES = ['', '.upload', '.upload.json', '.json'];

/** Creates the storage; with S3_DIRECT_UPLOAD it also takes uploads straight from browsers (`direct`). */
export function createS3Storage(config: S3Config): AttachmentStorage {
  // The sweep deletes what is named like a key under the prefix: without one, other applications' objects.
  if (config.prefix === '') throw new Error('createS3Storage: the prefix must not be empty');
  // No retries: a streamed body cannot be sent twice, and the caller answers the failure.
  const client = new AwsClient({
    accessKeyId: config.accessKeyId,
    secretAccessKey: config.secretAccessKey,
    region: config.region,
    service: 's3',
    retries: 0,
  });
  const bucketUrl = config.endpoint === undefined ? `https://${config.bucket}.s3.${config.region}.amazonaws.com` : `${config.endpoint}/${config.bucket}`;
  const objectUrl = (name: string) => `${bucketUrl}/${`${config.prefix}${name}`.split('/').map(encodeURIComponent).join('/')}`;

  const send = async (operation: string, name: string, init: RequestInit & { ok?: number[] } = {}) => {
    const response = await client.fetch(objectUrl(name), init);
    if (!response.ok && !(init.ok ?? []).includes(response.status)) {
      await response.body?.cancel();
      throw new S3Error(`S3 ${operation} answered ${response.status}`);
    }
    return response;
  };

  const readJson = async <T>(name: string): Promise<T | undefined> => {
    const response = await send('GET', name, { ok: [404] });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    return (await response.json()) as T;
  };

  const writeJson = async (name: string, value: unknown) => {
    const response = await send('PUT', name, { method: 'PUT', body: JSON.stringify(value), headers: { 'Content-Type': 'application/json' } });
    await response.body?.cancel();
  };

  /**
   * Signs a URL for `method` that works without credentials until it expires. `headers` are signed
   * too (`allHeaders`: aws4fetch leaves Content-Length unsigned otherwise), so a request must
   * carry exactly these values.
   */
  const presign = async (method: 'GET' | 'PUT', name: string, query: Record<string, string> = {}, headers: Record<string, string> = {}) => {
    const url = new URL(objectUrl(name));
    for (const [param, value] of Object.entries({ ...query, 'X-Amz-Expires': String(config.urlTtlSeconds) })) url.searchParams.set(param, value);
    const signed = await client.sign(url.href, { method, headers, aws: { signQuery: true, allHeaders: true } });
    return signed.url;
  };

  const storage: AttachmentStorage = {
    async put(key, body) {
      // S3 needs the length before the body, so the bytes wait in a temporary file, not in memory.
      const spool = join(tmpdir(), `relay-upload-${randomBytes(8).toString('hex')}`);
      try {
        await pipeline(body, createWriteStream(spool, { flags: 'wx' }));
        const { size } = await stat(spool);
        const stream = Readable.toWeb(createReadStream(spool)) as ReadableStream<Uint8Array>;
        const response = await send('PUT', key, {
          method: 'PUT',
          body: stream,
          headers: { 'Content-Length': String(size), 'Content-Type': 'application/octet-stream' },
        });
        await response.body?.cancel();
      } finally {
        await rm(spool, { force: true });
      }
    },

    getMeta: (key) => readJson<StoredMeta>(`${key}.json`),

    setMeta: (key, meta) => writeJson(`${key}.json`, meta),

    async download(key, meta): Promise<Download> {
      const type = meta.type.startsWith('text/') ? `${meta.type}; charset=utf-8` : meta.type;
      return {
        redirect: await presign('GET', key, { 'response-content-disposition': contentDisposition(meta.name), 'response-content-type': type }),
      };
    },

    async delete(key) {
      for (const suffix of SUFFIXES) {
        const response = await send('DELETE', `${key}${suffix}`, { method: 'DELETE', ok: [404] });
        await response.body?.cancel();
      }
    },

    async *list(): AsyncIterable<ListedFile> {
      const modified = new Map<string, number>();
      let token: string | undefined;
      do {
        const url = new URL(bucketUrl);
        url.searchParams.set('list-type', '2');
        if (config.prefix !== '') url.searchParams.set('prefix', config.prefix);
        if (token !== undefined) url.searchParams.set('continuation-token', token);
        const response = await client.fetch(url.href);
        if (!response.ok) {
          await response.body?.cancel();
          throw new S3Error(`S3 list answered ${response.status}`);
        }
        const page = parseListing(await response.text());
        for (const { name, modifiedAt } of page.objects) {
          const key = name.slice(config.prefix.length, config.prefix.length + 32);
          if (!name.startsWith(config.prefix) || !KEY_PATTERN.test(key)) continue;
          modified.set(key, Math.max(modified.get(key) ?? 0, modifiedAt));
        }
        token = page.next;
      } while (token !== undefined);
      for (const [key, modifiedAt] of modified) yield { key, modifiedAt };
    },
  };

  const direct: DirectUploads = {
    async begin(key, pending) {
      await writeJson(`${key}.upload.json`, pending);
      // The declared size is signed as Content-Length: S3 refuses a PUT of any other length (403),
      // so the URL cannot carry more than the size the relay allowed. (A browser sets the header
      // itself from the body.) Content-Type is not signed: any value uploads; the relay reads the
      // bytes back and judges them itself.
      const url = await presign('PUT', `${key}.upload`, {}, { 'Content-Length': String(pending.size) });
      return { url, headers: { 'Content-Type': 'application/octet-stream' } };
    },

    pending: (key) => readJson<PendingUpload>(`${key}.upload.json`),

    /**
     * The uploaded object, refused unless it is exactly the size declared in `begin` (not every
     * S3-compatible service checks a signed Content-Length): the body then fails with
     * UploadMismatch before a byte is read, or as soon as it delivers a byte too many or ends short.
     * Destroying the body stops the download.
     */
    async open(key) {
      const [response, pending] = await Promise.all([send('GET', `${key}.upload`, { ok: [404] }), readJson<PendingUpload>(`${key}.upload.json`)]);
      if (response.status === 404 || response.body === null) {
        await response.body?.cancel();
        return undefined;
      }
      const size = Number(response.headers.get('Content-Length'));
      const declared = pending?.size;
      if (declared === undefined || size !== declared) {
        await response.body.cancel();
        const refused = new UploadMismatch(
          declared === undefined ? 'The file uploaded has no declared size.' : `The file uploaded is not the size declared (${declared} bytes).`,
        );
        const body = new Readable({
          read() {
            this.destroy(refused);
          },
        });
        return { size, body };
      }
      return { size, body: exactly(declared, Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>)) };
    },

    async discard(key) {
      for (const suffix of ['.upload', '.upload.json']) {
        const response = await send('DELETE', `${key}${suffix}`, { method: 'DELETE', ok: [404] });
        await response.body?.cancel();
      }
    },
  };
  return config.directUpload ? { ...storage, direct } : storage;
}

/** `source` as a stream that fails with UploadMismatch unless it delivers exactly `size` bytes; destroying it destroys `source`. */
function exactly(size: number, source: Readable): Readable {
  let received = 0;
  const mismatch = () => new UploadMismatch(`The file uploaded is not the size declared (${size} bytes).`);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      done(received > size ? mismatch() : undefined, chunk);
    },
    flush(done) {
      done(received === size ? undefined : mismatch());
    },
  });
  // Errors reach `counter`'s reader; a failure of either stream (or destroying `counter`) ends both.
  return pipe(source, counter, () => {});
}

/** The object names and times of one ListObjectsV2 page, and the token of the next. */
export function parseListing(xml: string): { objects: { name: string; modifiedAt: number }[]; next: string | undefined } {
  const text = (block: string, tag: string) => unescapeXml(new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(block)?.[1] ?? '');
  const objects = [...xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)].map(([, block = '']) => ({
    name: text(block, 'Key'),
    modifiedAt: Date.parse(text(block, 'LastModified')) || 0,
  }));
  const truncated = text(xml, 'IsTruncated') === 'true';
  const next = text(xml, 'NextContinuationToken');
  return { objects, next: truncated && next !== '' ? next : undefined };
}

function unescapeXml(value: string): string {
  return value.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[name] ?? '');
}
