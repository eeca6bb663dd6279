/**
 * `POST /attachments`: one file, as multipart field `file`, stored as it streams in; answers its
 * opaque reference. With direct uploads (S3), also `POST /attachments/uploads` (where to PUT a
 * file) and `POST /attachments/<id>/complete` (the relay judges and stores what was PUT).
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AttachmentPolicy, DirectUpload } from '../../shared/attachments';
import { FIELD_ISSUE_TEXT_EN, formatIssue, toFieldIssues } from '../../shared/field-issues';
import type { TypeRules } from '../attachments/inspect-file';
import { FILE_FIELD, receiveUpload, storeFile, tooLarge } from '../attachments/receive-upload';
import type { UploadOutcome } from '../attachments/receive-upload';
import { keyOf, newReference, REFERENCE_PATTERN } from '../attachments/reference';
import type { AttachmentStorage, DirectUploads } from '../attachments/storage';
import { errorResponse } from '../error-response';
import type { Logger } from '../log';
import { requireJson } from '../middleware/require-json';
import type { RelayEnv } from '../relay-env';
import { invalidFields } from '../validate-ticket';

export interface AttachmentsRouteOptions {
  storage: AttachmentStorage;
  policy: AttachmentPolicy;
  rules: TypeRules;
  now: () => number;
  log: Logger;
}

/** Room for the multipart framing around the file (boundaries, part headers, a long file name). */
const MULTIPART_OVERHEAD = 64 * 1024;

/** What a browser says about a file it is about to PUT to the bucket. */
const DirectUploadRequest = v.object({
  name: v.pipe(v.string('invalid'), v.maxLength(1000, 'too_long')),
  size: v.pipe(v.number('invalid'), v.check((size) => Number.isInteger(size) && size > 0, 'invalid')),
  type: v.optional(v.string('invalid')),
});

/**
 * The order: the media type (415), a declared length far over the limit (413 before reading), then
 * the body as it streams: the file's first bytes decide its type (415), the limit cuts it off
 * (413), and the framing must hold exactly one file in `file` (400).
 */
export function attachmentsRoute({ storage, policy, rules, now, log }: AttachmentsRouteOptions): Hono<RelayEnv> {
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
    // On a failure the rest of the body is left unread; the Node adapter closes the connection
    // shortly after the answer. (Not `Connection: close`: Node would then reset the socket at once,
    // and a client still sending would lose the answer.)
    return answer(c, await receiveUpload(c.req.raw, receiving));
  });
  if (storage.direct !== undefined && policy.direct === true) directRoutes(app, storage.direct, receiving, now);
  return app;
}

/**
 * Direct uploads: the browser PUTs the file to a pre-signed URL, then asks the relay to complete
 * it. Completing reads the object back through the same checks as a multipart upload (type, size,
 * location data) into the file's real place, and deletes the uploaded object.
 */
function directRoutes(app: Hono<RelayEnv>, direct: DirectUploads, receiving: Parameters<typeof storeFile>[2], now: () => number): void {
  app.post('/attachments/uploads', requireJson(), async (c) => {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return errorResponse(c, 'validation', { message: 'The request body is not valid JSON.' });
    }
    const parsed = v.safeParse(DirectUploadRequest, body);
    if (!parsed.success) return errorResponse(c, 'validation', invalidFields(toFieldIssues(parsed.issues)));
    if (parsed.output.size > receiving.maxFileBytes) return answer(c, tooLarge(receiving.maxFileBytes));
    const id = newReference();
    const signed = await direct.begin(keyOf(id), { name: parsed.output.name, size: parsed.output.size, createdAt: now() });
    const upload: DirectUpload = { id, ...signed };
    return c.json(upload, 201);
  });

  app.post('/attachments/:id/complete', async (c) => {
    const id = c.req.param('id');
    const key = keyOf(id);
    const pending = REFERENCE_PATTERN.test(id) ? await direct.pending(key) : undefined;
    if (pending === undefined) return errorResponse(c, 'not_found', { message: 'There is no upload with this id.' });
    const uploaded = await direct.open(key);
    if (uploaded === undefined) {
      return answer(c, { ok: false, code: 'validation', message: 'Nothing was uploaded.', fields: [{ path: FILE_FIELD, code: 'required' }] });
    }
    if (uploaded.size > receiving.maxFileBytes) {
      uploaded.body.destroy();
      await direct.discard(key);
      return answer(c, tooLarge(receiving.maxFileBytes));
    }
    const storing = storeFile(uploaded.body, pending.name, receiving, id);
    let received = 0;
    // The object's size was checked; this guards against it being replaced while it is read.
    uploaded.body.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > receiving.maxFileBytes) storing.stop('too_large');
    });
    const outcome = await storing.outcome;
    await direct.discard(key);
    return answer(c, outcome);
  });
}

function answer(c: Context<RelayEnv>, outcome: UploadOutcome): Response {
  if (outcome.ok) return c.json(outcome.attachment, 201);
  const fields = outcome.fields?.map((issue) => ({ ...issue, message: formatIssue(FIELD_ISSUE_TEXT_EN[issue.code], issue) }));
  return errorResponse(c, outcome.code, { message: outcome.message, ...(fields === undefined ? {} : { fields }) });
}
