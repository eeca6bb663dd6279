/**
 * A stand-in for the browser's XMLHttpRequest, which lies outside the project: it records what
 * was opened and sent, and the test plays the network's part (upload progress, an answer, a
 * dropped connection).
 */
import { vi } from 'vitest';

type Handler = ((event: ProgressEvent) => void) | null;

/** Only the properties the uploader reads; happy-dom has no ProgressEvent with a settable `loaded`. */
const progressEvent = (loaded: number, total: number, lengthComputable: boolean) =>
  ({ loaded, total, lengthComputable }) as ProgressEvent;

export class FakeXhr {
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown;
  sent = false;
  aborted = false;
  status = 0;
  responseText = '';
  upload: { onprogress: Handler; onload: Handler } = { onprogress: null, onload: null };
  onload: Handler = null;
  onerror: Handler = null;
  onabort: Handler = null;
  private responseHeaders: Record<string, string> = {};
  private done = false;

  constructor(private readonly requests: FakeXhr[]) {
    requests.push(this);
  }

  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }

  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }

  send(body: unknown) {
    this.sent = true;
    this.body = body;
  }

  getResponseHeader(name: string): string | null {
    return this.responseHeaders[name.toLowerCase()] ?? null;
  }

  /** As browsers do: an abort of a request still under way fires `abort`; of a finished one, nothing. */
  abort() {
    this.aborted = true;
    if (!this.sent || this.done) return;
    this.done = true;
    this.onabort?.(progressEvent(0, 0, false));
  }

  /** The browser reports `loaded` of `total` bytes sent. */
  progress(loaded: number, total: number, lengthComputable = true) {
    this.upload.onprogress?.(progressEvent(loaded, total, lengthComputable));
  }

  /** The browser has sent the whole body; the answer is still to come. */
  sentAll() {
    this.upload.onload?.(progressEvent(0, 0, false));
  }

  /** The server answers. */
  respond(status: number, body: string, headers: Record<string, string> = {}) {
    this.status = status;
    this.responseText = body;
    this.responseHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
    this.done = true;
    this.onload?.(progressEvent(0, 0, false));
  }

  /** The server answers with JSON. */
  respondJson(status: number, body: unknown) {
    this.respond(status, JSON.stringify(body), { 'Content-Type': 'application/json' });
  }

  /** The connection drops (or CORS refuses): the browser says no more than `error`. */
  fail() {
    this.done = true;
    this.onerror?.(progressEvent(0, 0, false));
  }
}

/** Replaces the global XMLHttpRequest; returns every request made, in order. Undo with vi.unstubAllGlobals(). */
export function stubXhr(): FakeXhr[] {
  const requests: FakeXhr[] = [];
  vi.stubGlobal(
    'XMLHttpRequest',
    class extends FakeXhr {
      constructor() {
        super(requests);
      }
    },
  );
  return requests;
}
