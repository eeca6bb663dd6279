/**
 * Receives one uploaded file and stores it as it streams in: only the first bytes are held (to
 * judge the type) and, for a JPEG, its header segments (to strip location data). Reading stops as
 * soon as the answer is known: a refused type after the first bytes, an over-limit file at the limit.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import type { UploadedAttachment } from '../../shared/attachments';
import type { FieldIssue } from '../../shared/field-issues';
import type { Logger } from '../log';
import { safeFileName } from './file-name';
import { FileRefused, inspectFile } from './inspect-file';
import type { TypeRules } from './inspect-file';
import { keyOf, newReference } from './reference';
import type { AttachmentStorage, StoredMeta } from './storage';
import { fail, ok } from '../../shared/result';
import type { Result } from '../../shared/result';

/** The multipart field that carries the file. */
export const FILE_FIELD = 'file';

/** Why an upload was refused: the error code to answer with, its message, and for a 400 the field. */
export interface UploadRefusal {
  code: 'validation' | 'payload_too_large' | 'unsupported_media_type' | 'internal';
  message: string;
  fields?: FieldIssue[];
}

/** The stored file, or why it was not stored. */
export type UploadOutcome = Result<UploadedAttachment, UploadRefusal>;

export interface ReceiveOptions {
  storage: AttachmentStorage;
  rules: TypeRules;
  maxFileBytes: number;
  now: () => number;
  log: Logger;
}

class TooLarge extends Error {
  override readonly name = 'TooLarge';
}

/** The body broke off, or is not valid multipart: the file is dropped, and the answer says why. */
class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

/**
 * A source's own reason to refuse its bytes (a direct upload whose object is not the size the
 * browser declared): the file is dropped, and the answer (400, field `file`) gives the message.
 */
export class UploadMismatch extends Error {
  override readonly name = 'UploadMismatch';
}

const invalidFile = (message: string, code: FieldIssue['code'] = 'invalid'): UploadOutcome =>
  fail({ code: 'validation', message, fields: [{ path: FILE_FIELD, code }] });

/** The answer for a file over the limit. */
export const tooLarge = (maxFileBytes: number): UploadOutcome => fail({ code: 'payload_too_large', message: `The file is larger than ${maxFileBytes} bytes.` });

const ONE_FILE = `Send exactly one file, in the multipart field "${FILE_FIELD}".`;

/** A file being stored: its outcome, and a way to stop it (the bytes stored so far are deleted). */
export interface Storing {
  key: string;
  outcome: Promise<UploadOutcome>;
  stop(reason: 'too_large' | 'interrupted', message?: string): void;
}

/**
 * Stores the file `source` carries, named `name` by the visitor, under `reference`: inspected,
 * stripped of location data, written as it arrives. On any failure nothing is left stored.
 */
export function storeFile(
  source: Readable,
  name: string,
  { storage, rules, maxFileBytes, now, log }: ReceiveOptions,
  reference = newReference(),
): Storing {
  const key = keyOf(reference);
  const inspection = inspectFile(name, rules, (reason) => log.warn('JPEG location data kept: header not readable', { reason }));
  // The stream can fail before storage starts reading it (a refused type in the first chunk); its
  // first error is the reason, whatever storage reports.
  let reason: unknown;
  inspection.stream.on('error', (error) => {
    reason ??= error;
  });
  source.on('error', (error) =>
    inspection.stream.destroy(new Interrupted(error instanceof UploadMismatch ? error.message : 'The upload was interrupted.')),
  );
  source.pipe(inspection.stream);
  const outcome = storage
    .put(key, inspection.stream)
    .then(async (): Promise<UploadOutcome> => {
      const { type, size } = inspection.result();
      const meta: StoredMeta = { name: safeFileName(name, type), size, type, createdAt: now() };
      await storage.setMeta(key, meta);
      return ok({ id: reference, name: meta.name, size, type });
    })
    .catch(async (error: unknown) => {
      // Refused or failed: read no more of the source (the rest of an S3 object, say), even when
      // someone else still listens to it.
      source.unpipe(inspection.stream);
      source.destroy();
      await storage.delete(key).catch(() => {});
      return outcomeOf(reason ?? error, maxFileBytes, log);
    });
  return {
    key,
    outcome,
    stop: (why, message = 'The upload was interrupted.') =>
      inspection.stream.destroy(why === 'too_large' ? new TooLarge() : new Interrupted(message)),
  };
}

/** Reads `request` (already known to be multipart/form-data) and stores its one file. */
export function receiveUpload(request: Request, options: ReceiveOptions): Promise<UploadOutcome> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': request.headers.get('content-type') ?? '' },
      // Browsers send the file name as UTF-8 bytes; busboy's default reads them as Latin-1.
      defParamCharset: 'utf8',
      limits: { files: 1, fileSize: options.maxFileBytes, fields: 0, parts: 4, headerPairs: 16 },
    });
  } catch {
    return Promise.resolve(invalidFile('The body is not multipart/form-data with a boundary.'));
  }
  if (request.body === null) return Promise.resolve(invalidFile(ONE_FILE, 'required'));
  const body = Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>);

  return new Promise<UploadOutcome>((resolve) => {
    let settled = false;
    let extraPart = false;
    let storing: Storing | undefined;

    const finish = (outcome: UploadOutcome) => {
      if (settled) return;
      settled = true;
      // Stop reading: whatever the client still sends is not wanted. Destroying our side leaves the
      // connection to the server, which answers and then closes it.
      body.unpipe(parser);
      body.destroy();
      resolve(outcome);
    };
    const interrupt = (message: string) => {
      storing?.stop('interrupted', message);
      finish(invalidFile(message));
    };

    // Anything besides the one file is refused at once, not skipped: a client that sends more
    // than it should is not read any further.
    const refuseExtra = () => {
      // Also read by the close handler, which may run before the stored file is deleted here.
      extraPart = true;
      if (settled) return;
      body.unpipe(parser);
      const current = storing;
      if (current === undefined) return finish(invalidFile(ONE_FILE));
      current.stop('interrupted', ONE_FILE);
      // The file may already be whole (the extra part came after it): it is deleted before the answer.
      void current.outcome.then(async (outcome) => {
        if (outcome.ok) await options.storage.delete(current.key).catch(() => {});
        finish(invalidFile(ONE_FILE));
      });
    };
    parser.on('file', (field, file, info) => {
      if (field !== FILE_FIELD || storing !== undefined) {
        file.resume();
        refuseExtra();
        return;
      }
      const current = storeFile(file, info.filename ?? '', options);
      storing = current;
      file.on('limit', () => current.stop('too_large'));
      // A failure answers at once, without waiting for the rest of the body.
      void current.outcome.then((outcome) => {
        if (!outcome.ok) finish(outcome);
      });
    });
    parser.on('filesLimit', refuseExtra);
    parser.on('fieldsLimit', refuseExtra);
    parser.on('partsLimit', refuseExtra);
    parser.on('error', () => interrupt('The multipart body could not be read.'));
    parser.on('close', () => {
      void (async () => {
        if (storing === undefined) return finish(invalidFile(ONE_FILE, 'required'));
        const outcome = await storing.outcome;
        if (outcome.ok && extraPart) {
          await options.storage.delete(storing.key).catch(() => {});
          return finish(invalidFile(ONE_FILE));
        }
        finish(outcome);
      })();
    });
    body.on('error', () => interrupt('The upload was interrupted.'));
    body.pipe(parser);
  });
}

function outcomeOf(error: unknown, maxFileBytes: number, log: Logger): UploadOutcome {
  if (error instanceof TooLarge) return tooLarge(maxFileBytes);
  if (error instanceof FileRefused) return fail({ code: 'unsupported_media_type', message: error.message });
  if (error instanceof Interrupted) return invalidFile(error.message);
  log.error('attachment could not be stored', { stack: error instanceof Error ? error.stack : String(error) });
  return fail({ code: 'internal', message: 'The file could not be stored.' });
}
