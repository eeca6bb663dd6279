/**
 * `POST /attachments`: one file, as multipart field `file`, stored as it streams in; answers its
 * opaque reference. With direct uploads (S3), also `POST /attachments/uploads` (where to PUT a
 * file) and `POST /attachments/<id>/complete` (the relay judges and stores what was PUT).
 */
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Context } from 'hono';
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AttachmentPolicy, DirectUpload } from '../../shared/attachments';
import { toFieldIssues } from '../../shared/field-issues';
import type { TypeRules } from '../attachments/inspect-file';
import type { PendingBytes } from '../attachments/pending-bytes';
import { FILE_FIELD, receiveUpload, storeFile, tooLarge } from '../attachments/receive-upload';
import type { ReceiveOptions, UploadOutcome } from '../attachments/receive-upload';
import { isReference, keyOf, newReference } from '../attachments/reference';
import type { AttachmentStorage, DirectUploads } from '../attachments/storage';
import { errorResponse } from '../error-response';
import { fieldErrors, invalidFields } from '../field-errors';
import type { Logger } from '../log';
import { bodyLimit } from '../middleware/body-limit';
import { requireJson } from '../middleware/require-json';
import { readJsonBody } from '../read-json-body';
import type { RelayEnv } from '../relay-env';

export interface AttachmentsRouteOptions {
  storage: AttachmentStorage;
  policy: AttachmentPolicy;
  rules: TypeRules;
  /** Bytes of uploads no ticket has taken yet, and their cap (RELAY_ATTACHMENT_PENDING_MB). */
  pending: PendingBytes;
  now: () => number;
  log: Logger;
}

/** Room for the multipart framing around the file (boundaries, part headers, a long file name). */
const MULTIPART_OVERHEAD = 64 * 1024;

/** `POST /attachments/uploads` carries a name, a size and a type: a few hundred bytes. */
const DIRECT_REQUEST_MAX_BYTES = 4096;

/** What a client is told to wait when unattached uploads are at their cap. */
const BUSY_RETRY_AFTER_SECONDS = 60;

/** What a browser says about a file it is about to PUT to the bucket. */
const DirectUploadRequest = v.object({
  name: v.pipe(v.string('invalid'), v.maxLength(1000, 'too_long')),
  size: v.pipe(v.number('invalid'), v.check((size) => Number.isInteger(size) && size > 0, 'invalid')),
  type: v.optional(v.string('invalid')),
});

/**
 * The order: the media type (415), a declared length far over the limit (413 before reading), the
 * cap on unattached uploads (429), then the body as it streams: the file's first bytes decide its
 * type (415), the limit cuts it off (413), and the framing must hold exactly one file in `file` (400).
 */
export function attachmentsRoute({ storage, policy, rules, pending, now, log }: AttachmentsRouteOptions): Hono<RelayEnv> {
  const app = new Hono<RelayEnv>();
  const receiving = { storage, rules, maxFileBytes: policy.maxFileBytes, now, log };
  app.post('/attachments', async (c) => {
    const mediaType = c.req.header('Content-Type')?.split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'multipart/form-data') {
      return errorResponse(c, 'unsupported_media_type', {
        message: `Send the file as multipart/form-data, in the field "${FILE_FIELD}".`,
      });
    }
    const declared = Number(c.req.header('Content-Length') ?? Number.NaN);
    if (declared > policy.maxFileBytes + MULTIPART_OVERHEAD) {
      return errorResponse(c, 'payload_too_large', { message: `The file is larger than ${policy.maxFileBytes} bytes.` });
    }
    // Until the file is stored its size is unknown: it counts as the declared length (or the limit).
    const receivingId = `receiving:${newReference()}`;
    if (!pending.admit(receivingId, declared >= 0 ? Math.min(declared, policy.maxFileBytes) : policy.maxFileBytes)) return busy(c);
    const upload = deletedOnRefusal(storage);
    // On a failure the rest of the body is left unread; the Node adapter closes the connection
    // shortly after the answer. (Not `Connection: close`: Node would then reset the socket at once,
    // and a client still sending would lose the answer.)
    const outcome = await receiveUpload(c.req.raw, { ...receiving, storage: upload.storage });
    pending.release(receivingId);
    if (outcome.ok) pending.set(keyOf(outcome.attachment.id), outcome.attachment.size);
    else await upload.refuse();
    return answer(c, outcome);
  });
  if (storage.direct !== undefined && policy.direct === true) directRoutes(app, storage.direct, receiving, pending);
  return app;
}

/**
 * Direct uploads: the browser PUTs the file to a pre-signed URL, then asks the relay to complete
 * it. Completing reads the object back through the same checks as a multipart upload (type, size,
 * location data) into the file's real place, and deletes the uploaded object.
 */
function directRoutes(app: Hono<RelayEnv>, direct: DirectUploads, receiving: ReceiveOptions, pending: PendingBytes): void {
  const { storage, maxFileBytes, now } = receiving;

  app.post('/attachments/uploads', requireJson(), bodyLimit({ maxBytes: DIRECT_REQUEST_MAX_BYTES }), async (c) => {
    const body = await readJsonBody(c.req);
    if (!body.ok) return errorResponse(c, 'validation', { message: body.message });
    const parsed = v.safeParse(DirectUploadRequest, body.value);
    if (!parsed.success) return errorResponse(c, 'validation', invalidFields(toFieldIssues(parsed.issues)));
    if (parsed.output.size > maxFileBytes) return answer(c, tooLarge(maxFileBytes));
    const id = newReference();
    const key = keyOf(id);
    // The bucket holds the object from the PUT on: it counts from now.
    if (!pending.admit(key, parsed.output.size)) return busy(c);
    try {
      const signed = await direct.begin(key, { name: parsed.output.name, size: parsed.output.size, createdAt: now() });
      const upload: DirectUpload = { id, ...signed };
      return c.json(upload, 201);
    } catch (error) {
      pending.release(key);
      throw error;
    }
  });

  // One completion per upload at a time in this process: a retry while the first still runs gets
  // the first one's answer.
  const completing = new Map<string, Promise<UploadOutcome | undefined>>();

  /** Undefined: there is no such pending upload. */
  const complete = async (id: string, key: string): Promise<UploadOutcome | undefined> => {
    // Completed before (its answer was lost, say): the same answer, and the stored file, which a
    // ticket may have taken since, is left exactly as it is.
    const stored = await storage.getMeta(key);
    if (stored !== undefined) return { ok: true, attachment: { id, name: stored.name, size: stored.size, type: stored.type } };
    const upload = await direct.pending(key);
    if (upload === undefined) return undefined;
    const uploaded = await direct.open(key);
    if (uploaded === undefined) {
      return { ok: false, code: 'validation', message: 'Nothing was uploaded.', fields: [{ path: FILE_FIELD, code: 'required' }] };
    }
    if (uploaded.size > maxFileBytes) {
      uploaded.body.destroy();
      await direct.discard(key);
      pending.release(key);
      return tooLarge(maxFileBytes);
    }
    const storing = storeFile(uploaded.body, upload.name, { ...receiving, storage: leavingCompletedAlone(storage) }, id);
    let received = 0;
    // The object's size was checked; this guards against it being replaced while it is read.
    uploaded.body.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxFileBytes) storing.stop('too_large');
    });
    const outcome = await storing.outcome;
    await direct.discard(key);
    if (outcome.ok) pending.set(key, outcome.attachment.size);
    else pending.release(key);
    return outcome;
  };

  app.post('/attachments/:id/complete', async (c) => {
    const id = c.req.param('id');
    if (!isReference(id)) return errorResponse(c, 'not_found', { message: 'There is no upload with this id.' });
    const key = keyOf(id);
    let running = completing.get(key);
    if (running === undefined) {
      running = complete(id, key).finally(() => completing.delete(key));
      completing.set(key, running);
    }
    const outcome = await running;
    return outcome === undefined ? errorResponse(c, 'not_found', { message: 'There is no upload with this id.' }) : answer(c, outcome);
  });
}

function answer(c: Context<RelayEnv>, outcome: UploadOutcome): Response {
  if (outcome.ok) return c.json(outcome.attachment, 201);
  return errorResponse(c, outcome.code, { message: outcome.message, ...(outcome.fields === undefined ? {} : { fields: fieldErrors(outcome.fields) }) });
}

/** Unattached uploads are at RELAY_ATTACHMENT_PENDING_MB: tickets take them, or the sweep deletes them, in time. */
const busy = (c: Context<RelayEnv>) =>
  errorResponse(c, 'rate_limited', {
    message: 'The relay holds too many uploads that no ticket has taken yet; try again in a minute.',
    headers: { 'Retry-After': String(BUSY_RETRY_AFTER_SECONDS) },
  });

/** `storage` with some of its methods replaced. */
const overriding = (storage: AttachmentStorage, overrides: Partial<Pick<AttachmentStorage, 'put' | 'setMeta' | 'delete'>>): AttachmentStorage => ({
  put: (key, body) => storage.put(key, body),
  getMeta: (key) => storage.getMeta(key),
  setMeta: (key, meta) => storage.setMeta(key, meta),
  download: (key, meta) => storage.download(key, meta),
  delete: (key) => storage.delete(key),
  list: () => storage.list(),
  ...overrides,
});

/**
 * The storage as one multipart upload uses it: when its answer is a refusal, what it stored is
 * deleted, even what it finishes storing after the answer (a body that breaks off after the file
 * part: the file is whole, the request is not, and nobody holds its reference).
 */
function deletedOnRefusal(storage: AttachmentStorage): { storage: AttachmentStorage; refuse(): Promise<void> } {
  let refused = false;
  const stored = new Set<string>();
  const remove = (key: string) => storage.delete(key).catch(() => {});
  return {
    storage: overriding(storage, {
      async setMeta(key, meta) {
        await storage.setMeta(key, meta);
        stored.add(key);
        if (refused) await remove(key);
      },
    }),
    async refuse() {
      refused = true;
      await Promise.all([...stored].map(remove));
    },
  };
}

/**
 * The storage as a completion uses it: once the upload's key has metadata (another relay instance
 * completed the same upload meanwhile, and a ticket may have taken it), it writes and deletes
 * nothing there, so a late completion cannot detach a file from its ticket.
 */
function leavingCompletedAlone(storage: AttachmentStorage): AttachmentStorage {
  const completed = async (key: string) => (await storage.getMeta(key)) !== undefined;
  return overriding(storage, {
    async put(key, body: Readable) {
      if (!(await completed(key))) return storage.put(key, body);
      body.resume();
      await finished(body);
    },
    async setMeta(key, meta) {
      if (!(await completed(key))) await storage.setMeta(key, meta);
    },
    async delete(key) {
      if (!(await completed(key))) await storage.delete(key);
    },
  });
}
