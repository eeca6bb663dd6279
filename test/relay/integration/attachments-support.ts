/** Uploads for the attachment integration tests: small files through fetch, large ones streamed from a generator over node:http. */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { PNG } from '../attachments/documents';
import { ORIGIN } from './harness';

export { PNG };
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export interface Uploaded {
  id: string;
  name: string;
  size: number;
  type: string;
}

/** `POST /attachments` with one file in the field `file`, as a browser's FormData sends it. */
export async function upload(relayUrl: string, data: Buffer, name: string, options: { type?: string; field?: string; origin?: string | null } = {}) {
  const form = new FormData();
  form.append(options.field ?? 'file', new Blob([new Uint8Array(data)], { type: options.type ?? 'application/octet-stream' }), name);
  const headers: Record<string, string> = options.origin === null ? {} : { Origin: options.origin ?? ORIGIN };
  return fetch(`${relayUrl}/attachments`, { method: 'POST', body: form, headers });
}

export interface StreamedUpload {
  status: number;
  body: string;
  /** Bytes the client had handed to the socket when the answer's headers arrived. */
  sentWhenAnswered: number;
  /** Bytes it handed over in all (it stops when the relay closes the connection). */
  sent: number;
  /** SHA-256 of the file part the client sent, when it sent all of it. */
  sha256: string | undefined;
}

/**
 * Streams a multipart upload (chunked) of a `size`-byte file: `head`, then filler produced chunk
 * by chunk (with `insert`'s bytes at its offset), so the test never holds the file, respecting backpressure. Resolves when the answer is
 * complete and the client has stopped sending.
 */
export function streamUpload(
  relayUrl: string,
  { size, head, name, insert }: { size: number; head: Buffer; name: string; insert?: { at: number; bytes: Buffer } },
): Promise<StreamedUpload> {
  const boundary = `----relay-test-${Date.now()}`;
  const opening = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const closing = Buffer.from(`\r\n--${boundary}--\r\n`);
  const filler = Buffer.alloc(64 * 1024, 0x61);
  const hash = createHash('sha256');
  return new Promise((resolve, reject) => {
    let sent = 0;
    let fileSent = 0;
    let sentWhenAnswered = -1;
    let answer: { status: number; body: string } | undefined;
    let stopped = false;
    const headers = { 'Content-Type': `multipart/form-data; boundary=${boundary}`, Origin: ORIGIN };
    const req = request(`${relayUrl}/attachments`, { method: 'POST', headers });
    let settled = false;
    const settle = () => {
      if (answer !== undefined && stopped && !settled) {
        settled = true;
        resolve({ ...answer, sentWhenAnswered, sent, sha256: fileSent === size ? hash.digest('hex') : undefined });
      }
    };
    req.on('response', (response) => {
      sentWhenAnswered = sent;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        body += text;
      });
      response.on('end', () => {
        answer = { status: response.statusCode ?? 0, body };
        settle();
      });
      response.on('error', reject);
    });
    // The relay closed the connection while we were still sending: expected after an early answer.
    // It shows as an error (a reset) or, when the relay had read all we sent, as a plain close,
    // which Node's client reports with no error once the answer is complete.
    req.on('error', () => {});
    req.on('close', () => {
      stopped = true;
      // Closed with no answer at all: nothing more will come.
      if (sentWhenAnswered === -1) reject(new Error(`the relay closed the connection without answering, after ${sent} bytes`));
      else settle();
    });
    const write = (chunk: Buffer) => {
      sent += chunk.length;
      return req.write(chunk);
    };
    const pump = () => {
      while (fileSent < size && !req.destroyed) {
        const piece =
          fileSent === 0
            ? head
            : insert !== undefined && fileSent === insert.at
              ? insert.bytes
              : filler.subarray(0, Math.min(filler.length, size - fileSent, insert !== undefined && fileSent < insert.at ? insert.at - fileSent : Infinity));
        hash.update(piece);
        fileSent += piece.length;
        if (!write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      if (req.destroyed) return;
      write(closing);
      req.end(() => {
        stopped = true;
        settle();
      });
    };
    write(opening);
    pump();
  });
}

/** Declares a `declared`-byte body, sends none of it, and resolves with the answer. */
export function declareOnly(relayUrl: string, declared: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${relayUrl}/attachments`, {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=x', 'Content-Length': declared, Origin: ORIGIN },
    });
    req.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        body += text;
      });
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}
