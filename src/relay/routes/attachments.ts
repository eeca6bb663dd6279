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
import type { TypeRules } from '../attachments/inspect-file';
import type { PendingBytes, PendingRefusal } from '../attachments/pending-bytes';
import { FILE_FIELD, receiveUpload, storeFile, tooLarge } from '../attachments/receive-upload';
import type { ReceiveOptions, UploadOutcome } from '../attachments/receive-upload';
import { isReference, keyOf, newReference } from '../attachments/reference';
import type { AttachmentStorage, DirectUploads } from '../attachments/storage';
import { errorResponse } from '../error-response';
import type { RateLimiter } from '../limits/rate-limits';
import { rateLimited } from '../middleware/rate-limit';
import { fieldErrors } from '../field-errors';
import type { Logger } from '../log';
import { bodyLimit } from '../middleware/body-limit';
import { jsonBody } from '../middleware/json-body';
import { requireJson } from '../middleware/require-json';
import type { RelayEnv } from '../relay-env';
import { fail, ok } from '../../shared/result';

export interface AttachmentsRouteOptions {
  storage: AttachmentStorage;
  policy: AttachmentPolicy;
  rules: TypeRules;
  /** Bytes of uploads no ticket has taken yet, and their caps (RELAY_ATTACHMENT_PENDING_MB, …_PENDING_CLIENT_MB). */
  pending: PendingBytes;
  /** Bytes each client may store per day, attached or not (RELAY_ATTACHMENT_DAILY_MB). */
  dailyBytes: RateLimiter;
  now: () => number;
  log: Logger;
}

/** Room for the multipart framing around the file (boundaries, part headers, a long file name). */
const MULTIPART_OVERHEAD = 64 * 1024;

/** `POST /attachments/uploads` carries a name, a size and a type: a few hundred bytes. */
const DIRECT_REQUEST_MAX_BYTES = 4096;


/** What a browser says about a file it is about to PUT to the bucket. */
const DirectUploadRequest = v.object({
  name: v.pipe(v.string('invalid'), v.maxLength(1000, 'too_long')),
  size: v.pipe(v.number('invalid'), v.check((size) => Number.isInteger(size) && size > 0, 'invalid')),
  type: v.optional(v.string('invalid')),
});

/**
 * The order: the media type (415), a declared length far over the limit (413 before reading), the
 * client's daily budget (429: the declared length, or the limit, is reserved, and what was not
 * stored is given back), the caps on unattached uploads (429), then the body as it streams: each
 * chunk counts towards those caps as it arrives (429 when one is reached), the file's first bytes
 * decide its type (415), the limit cuts it off (413), and the framing must hold exactly one file in
 * `file` (400).
 */
export function attachmentsRoute({ storage, policy, rules, pending, dailyBytes, now, log }: AttachmentsRouteOptions): Hono<RelayEnv> {
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
    const client = c.get('client').key;
    const reserved = declared >= 0 ? Math.min(declared, policy.maxFileBytes) : policy.maxFileBytes;
    const budget = await dailyBytes.consume(client, reserved);
    if (!budget.ok) return dailyBudgetSpent(c, budget.error.retryAfterSeconds);
    const receivingId = `receiving:${newReference()}`;
    const admission = pending.admit(receivingId, client);
    if (!admission.ok) {
      await dailyBytes.refund(client, reserved);
      return busy(c, admission.error);
    }
    let overCap: PendingRefusal | undefined;
    const counted = countingBody(c.req.raw, (bytes) => {
      const grown = pending.grow(receivingId, bytes);
      if (grown.ok) return true;
      overCap = grown.error;
      return false;
    });
    const upload = deletedOnRefusal(storage);
    // On a failure the rest of the body is left unread; the Node adapter closes the connection
    // shortly after the answer. (Not `Connection: close`: Node would then reset the socket at once,
    // and a client still sending would lose the answer.)
    const outcome = await receiveUpload(counted, { ...receiving, storage: upload.storage });
    pending.release(receivingId);
    if (outcome.ok) pending.set(keyOf(outcome.value.id), client, outcome.value.size);
    else await upload.refuse();
    await dailyBytes.refund(client, reserved - (outcome.ok ? outcome.value.size : 0));
    if (overCap !== undefined && !outcome.ok) return busy(c, overCap);
    return answer(c, outcome);
  });
  if (storage.direct !== undefined && policy.direct === true) directRoutes(app, storage.direct, receiving, pending, dailyBytes);
  return app;
}

/**
 * Direct uploads: the browser PUTs the file to a pre-signed URL, then asks the relay to complete
 * it. Completing reads the object back through the same checks as a multipart upload (type, size,
 * location data) into the file's real place, and deletes the uploaded object.
 */
function directRoutes(app: Hono<RelayEnv>, direct: DirectUploads, receiving: ReceiveOptions, pending: PendingBytes, dailyBytes: RateLimiter): void {
  const { storage, maxFileBytes, now } = receiving;

  app.post('/attachments/uploads', requireJson(), bodyLimit({ maxBytes: DIRECT_REQUEST_MAX_BYTES }), jsonBody(DirectUploadRequest), async (c) => {
    const request = c.req.valid('json');
    if (request.size > maxFileBytes) return answer(c, tooLarge(maxFileBytes));
    const id = newReference();
    const key = keyOf(id);
    const client = c.get('client').key;
    // The PUT URL signs this exact size, so the declared size is what the bucket will hold.
    const budget = await dailyBytes.consume(client, request.size);
    if (!budget.ok) return dailyBudgetSpent(c, budget.error.retryAfterSeconds);
    // The bucket holds the object from the PUT on: it counts from now.
    const admission = pending.admit(key, client, request.size);
    if (!admission.ok) {
      await dailyBytes.refund(client, request.size);
      return busy(c, admission.error);
    }
    try {
      const signed = await direct.begin(key, { name: request.name, size: request.size, createdAt: now() });
      const upload: DirectUpload = { id, ...signed };
      return c.json(upload, 201);
    } catch (error) {
      pending.release(key);
      await dailyBytes.refund(client, request.size);
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
    if (stored !== undefined) return ok({ id, name: stored.name, size: stored.size, type: stored.type });
    const upload = await direct.pending(key);
    if (upload === undefined) return undefined;
    const uploaded = await direct.open(key);
    if (uploaded === undefined) {
      return fail({ code: 'validation', message: 'Nothing was uploaded.', fields: [{ path: FILE_FIELD, code: 'required' }] });
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
    // Charged to whoever began the upload, whoever completes it.
    const client = pending.clientOf(key);
    if (outcome.ok && client !== undefined) pending.set(key, client, outcome.value.size);
    else pending.release(key);
    if (client !== undefined) await dailyBytes.refund(client, upload.size - (outcome.ok ? outcome.value.size : 0));
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
  if (outcome.ok) return c.json(outcome.value, 201);
  const { code, message, fields } = outcome.error;
  return errorResponse(c, code, { message, ...(fields === undefined ? {} : { fields: fieldErrors(fields) }) });
}

/**
 * Unattached uploads are at a cap: the client's share, or the relay's whole. Tickets take them, or
 * the sweep deletes them, in time; Retry-After says when enough of them lapse.
 */
const busy = (c: Context<RelayEnv>, refusal: PendingRefusal) =>
  rateLimited(
    c,
    refusal.retryAfterSeconds,
    {
      client: 'You have too many uploads that no ticket has taken yet; send them with a ticket, or try again later.',
      network: 'Your network has too many uploads that no ticket has taken yet; try again later.',
      relay: 'The relay holds too many uploads that no ticket has taken yet; try again later.',
    }[refusal.scope],
  );

/** The client stored as much as it may in a day (RELAY_ATTACHMENT_DAILY_MB). */
const dailyBudgetSpent = (c: Context<RelayEnv>, retryAfterSeconds: number) =>
  rateLimited(c, retryAfterSeconds, 'You have uploaded as much as one visitor may in a day; try again later.');

/**
 * `request` with a body that reports each chunk's size to `onBytes` as it arrives, and fails as
 * soon as `onBytes` says no: an upload is stopped the moment it passes a cap.
 */
function countingBody(request: Request, onBytes: (bytes: number) => boolean): Request {
  if (request.body === null) return request;
  const counting = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (onBytes(chunk.byteLength)) controller.enqueue(chunk);
      else controller.error(new Error('upload cap reached'));
    },
  });
  return new Request(request.url, { method: request.method, headers: request.headers, body: request.body.pipeThrough(counting), duplex: 'half' } as RequestInit);
}

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
