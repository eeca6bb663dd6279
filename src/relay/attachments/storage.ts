/**
 * Where uploads live: the interface the upload, ticket, file and sweep code use, whatever the
 * backend (disk-storage.ts, s3-storage.ts). Files are stored under their key (reference.ts), with
 * their metadata beside them in the same storage, so no lookup table is needed and several relay
 * instances can share one bucket.
 */
import type { Readable } from 'node:stream';

/** What the relay knows about a stored file (the sidecar). Times are milliseconds since the epoch. */
export interface StoredMeta {
  /** The safe file name (file-name.ts). */
  name: string;
  size: number;
  /** The sniffed media type. */
  type: string;
  createdAt: number;
  /** While a ticket that lists it is being created: until when the reservation holds. */
  reservedUntil?: number;
  /** When a ticket was created with it; from then on no other ticket can take it. */
  attachedAt?: number;
  /**
   * Which submission reserved or took it: a hash of its Idempotency-Key. A retry of that same
   * submission may take it again (its first attempt may or may not have created the ticket).
   */
  owner?: string;
}

/** How `GET /files/…` answers: the bytes, or a redirect to a short-lived URL of the backend. */
export type Download = { stream: Readable } | { redirect: string };

/** One stored file, as the sweep sees it. */
export interface ListedFile {
  key: string;
  /** When the file (or its sidecar) was last written. */
  modifiedAt: number;
  /**
   * Ignored: the sweep reads each file's metadata itself, right before judging it (a ticket may
   * have reserved the file since it was listed), and skips a file whose metadata cannot be read.
   * A listing that reads the metadata does it twice, and ends at the first sidecar it cannot read.
   */
  meta?: StoredMeta | undefined;
}

export interface AttachmentStorage {
  /**
   * Stores the file's bytes from `body`, as they arrive. When `body` fails or the write does, it
   * rejects and leaves nothing behind. A file is not an upload until `setMeta` has written its
   * metadata: until then no route sees it, and the sweep deletes it once it is old enough.
   */
  put(key: string, body: Readable): Promise<void>;
  getMeta(key: string): Promise<StoredMeta | undefined>;
  setMeta(key: string, meta: StoredMeta): Promise<void>;
  /** Undefined when the file is gone. */
  download(key: string, meta: StoredMeta): Promise<Download | undefined>;
  /** Deletes the file and its metadata; deleting what is not there is fine. */
  delete(key: string): Promise<void>;
  /**
   * Every stored file, including unfinished uploads (bytes without metadata). It should not read
   * the metadata (see ListedFile.meta), so that one unreadable file does not end the listing.
   */
  list(): AsyncIterable<ListedFile>;
  /** Present when browsers may upload straight to the storage (S3 with S3_DIRECT_UPLOAD). */
  direct?: DirectUploads;
}

/** A browser's upload straight to the bucket, between `POST /attachments/uploads` and `…/complete`. */
export interface PendingUpload {
  /** The name the browser gave, sanitised only once the bytes are judged. */
  name: string;
  /** The size it declared. */
  size: number;
  createdAt: number;
}

/** What direct uploads need beyond AttachmentStorage. */
export interface DirectUploads {
  /** Remembers the pending upload and signs a PUT for it, valid for S3_URL_TTL_SECONDS. */
  begin(key: string, pending: PendingUpload): Promise<{ url: string; headers: Record<string, string> }>;
  pending(key: string): Promise<PendingUpload | undefined>;
  /** The uploaded bytes, or undefined when nothing was uploaded. */
  open(key: string): Promise<{ size: number; body: Readable } | undefined>;
  /** Deletes the uploaded bytes and the pending record. */
  discard(key: string): Promise<void>;
}

