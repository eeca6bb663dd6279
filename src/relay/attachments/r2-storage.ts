/**
 * Uploads in Cloudflare R2, through the Worker's bucket binding (the relay on Workers): objects
 * `<prefix><key>` and `<prefix><key>.json`, as the S3 storage lays them out, served by the relay's
 * own `GET /files/…` (a binding signs no URLs). Nothing is staged on disk: a file small enough for
 * one part is held in memory and written whole; a larger one goes up as a multipart upload, one
 * part in memory at a time.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { KEY_PATTERN } from './reference';
import type { AttachmentStorage, Download, ListedFile, StoredMeta } from './storage';

/** The part of an R2 object body this storage uses. */
interface R2ObjectBodyLike {
  body: ReadableStream<Uint8Array>;
  json<T>(): Promise<T>;
}

/** The part of a multipart upload this storage uses. */
interface R2MultipartUploadLike {
  uploadPart(partNumber: number, value: Uint8Array): Promise<{ partNumber: number; etag: string }>;
  complete(parts: { partNumber: number; etag: string }[]): Promise<unknown>;
  abort(): Promise<void>;
}

/** The part of an R2 bucket binding this storage uses (https://developers.cloudflare.com/r2/api/workers/workers-api-reference/). */
export interface R2BucketLike {
  put(key: string, value: Uint8Array | string, options?: { httpMetadata?: { contentType?: string } }): Promise<unknown>;
  get(key: string): Promise<R2ObjectBodyLike | null>;
  delete(keys: string | string[]): Promise<void>;
  list(options: { prefix: string; cursor?: string }): Promise<{ objects: { key: string; uploaded: Date }[]; truncated: boolean; cursor?: string }>;
  createMultipartUpload(key: string): Promise<R2MultipartUploadLike>;
}

export interface R2StorageOptions {
  /** Put before every object name, so the bucket can hold other things (the sweep only looks under it). */
  prefix?: string;
  /**
   * Bytes per part of a multipart upload, and the most one upload holds in memory. R2 wants parts
   * of at least 5 MiB, all of one size but the last.
   */
  partBytes?: number;
}

export const DEFAULT_R2_PREFIX = 'attachments/';
export const DEFAULT_PART_BYTES = 8 * 1024 * 1024;

/** The object name suffixes that belong to one key; the metadata last, so a half-deleted file stays listed. */
const SUFFIXES = ['', '.json'];

export function createR2Storage(bucket: R2BucketLike, { prefix = DEFAULT_R2_PREFIX, partBytes = DEFAULT_PART_BYTES }: R2StorageOptions = {}): AttachmentStorage {
  // The sweep deletes what is named like a key under the prefix: without one, other applications' objects.
  if (prefix === '') throw new Error('createR2Storage: the prefix must not be empty');
  const name = (key: string, suffix = '') => `${prefix}${key}${suffix}`;

  return {
    async put(key, body) {
      const parts = inParts(body, partBytes);
      const first = await parts.next();
      const second = first.done ? first : await parts.next();
      if (second.done) {
        await bucket.put(name(key), first.done ? new Uint8Array(0) : first.value);
        return;
      }
      const upload = await bucket.createMultipartUpload(name(key));
      try {
        const uploaded = [await upload.uploadPart(1, first.value as Uint8Array), await upload.uploadPart(2, second.value)];
        for await (const part of parts) uploaded.push(await upload.uploadPart(uploaded.length + 1, part));
        await upload.complete(uploaded);
      } catch (error) {
        await upload.abort().catch(() => {});
        throw error;
      }
    },

    async getMeta(key) {
      const object = await bucket.get(name(key, '.json'));
      return object === null ? undefined : object.json<StoredMeta>();
    },

    async setMeta(key, meta) {
      await bucket.put(name(key, '.json'), JSON.stringify(meta), { httpMetadata: { contentType: 'application/json' } });
    },

    async download(key): Promise<Download | undefined> {
      const object = await bucket.get(name(key));
      return object === null ? undefined : { stream: Readable.fromWeb(object.body as NodeReadableStream<Uint8Array>) };
    },

    async delete(key) {
      for (const suffix of SUFFIXES) await bucket.delete(name(key, suffix));
    },

    async *list(): AsyncIterable<ListedFile> {
      const modified = new Map<string, number>();
      let cursor: string | undefined;
      do {
        const page = await bucket.list({ prefix, ...(cursor === undefined ? {} : { cursor }) });
        for (const object of page.objects) {
          const key = object.key.slice(prefix.length, prefix.length + 32);
          if (!KEY_PATTERN.test(key)) continue;
          modified.set(key, Math.max(modified.get(key) ?? 0, object.uploaded.getTime()));
        }
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor !== undefined);
      for (const [key, modifiedAt] of modified) yield { key, modifiedAt };
    },
  };
}

/**
 * The stream's bytes in pieces of exactly `size` (the last one shorter), holding no more than one
 * piece (a small file takes only its own bytes); a failure of the stream is thrown.
 */
async function* inParts(body: Readable, size: number): AsyncGenerator<Uint8Array> {
  const held: Uint8Array[] = [];
  let length = 0;
  const take = (bytes: number): Uint8Array => {
    const part = new Uint8Array(bytes);
    let filled = 0;
    while (filled < bytes) {
      const chunk = held[0] as Uint8Array;
      const taken = Math.min(chunk.length, bytes - filled);
      part.set(chunk.subarray(0, taken), filled);
      filled += taken;
      if (taken === chunk.length) held.shift();
      else held[0] = chunk.subarray(taken);
    }
    length -= bytes;
    return part;
  };
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    held.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
    length += held[held.length - 1]?.length ?? 0;
    while (length >= size) yield take(size);
  }
  if (length > 0) yield take(length);
}
