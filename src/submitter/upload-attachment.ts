/**
 * Uploads one attached file to the relay, with progress: `POST {relay}/attachments` (multipart,
 * field `file`), or, when the relay lets browsers upload straight to object storage, a signed PUT
 * there followed by the relay's check. XMLHttpRequest rather than fetch: only it reports upload
 * progress.
 */
import type { DirectUpload, UploadedAttachment } from '../shared/attachments';
import { boundAttempt, isRecord, readAnswer, type RelayCall, type RelayCallResult } from './relay-call';

export type UploadResult = RelayCallResult<UploadedAttachment>;
/** Uploads `file`, calling `onProgress` with the share sent so far (0–1). */
export type Upload = (file: File, onProgress: (share: number) => void, signal: AbortSignal) => Promise<UploadResult>;

/** An upload that sends nothing for this long is given up as timed out. */
const STALL_MS = 30_000;
/** Once every byte is sent, the relay may still be storing the file (to S3, say): wait longer. */
const ANSWER_MS = 120_000;

const readAttachment = (body: unknown) => (isRecord(body) && typeof body.id === 'string' ? (body as unknown as UploadedAttachment) : undefined);

/** One XMLHttpRequest, read like a relay answer; aborts on `signal` and when progress stalls. */
function send<T>(
  method: string,
  url: string,
  body: XMLHttpRequestBodyInit,
  headers: Record<string, string>,
  read: (body: unknown) => T | undefined,
  onProgress: (share: number) => void,
  signal: AbortSignal,
): Promise<RelayCallResult<T>> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    const bound = boundAttempt(() => xhr.abort(), signal);
    const done = (result: RelayCallResult<T>) => {
      bound.end();
      resolve(result);
    };
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onload = () => bound.arm(ANSWER_MS);
    xhr.upload.onprogress = (event) => {
      bound.arm(STALL_MS);
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => done(readAnswer(xhr.status, xhr.responseText, xhr.getResponseHeader('Retry-After'), read));
    xhr.onerror = xhr.onabort = () => done(bound.failure());
    bound.arm(STALL_MS);
    xhr.send(body);
  });
}

/** Creates the upload function; `direct()` says whether the relay's policy has browsers upload to storage. */
export function createUploader(relay: string, call: RelayCall, direct: () => boolean): Upload {
  const base = relay.replace(/\/+$/, '');
  return async (file, onProgress, signal) => {
    if (!direct()) {
      const form = new FormData();
      form.append('file', file, file.name);
      return send('POST', `${base}/attachments`, form, {}, readAttachment, onProgress, signal);
    }
    const ticket = await call<DirectUpload>(
      {
        path: '/attachments/uploads',
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: file.name, size: file.size, type: file.type }),
        read: (body) => (isRecord(body) && typeof body.url === 'string' ? (body as unknown as DirectUpload) : undefined),
      },
      signal,
    );
    if (!ticket.ok) return ticket;
    const { id, url, headers } = ticket.value;
    const put = await send('PUT', url, file, headers, () => ({}), onProgress, signal);
    if (!put.ok) return put;
    return call({ path: `/attachments/${id}/complete`, method: 'POST', read: readAttachment }, signal);
  };
}
