/**
 * Fetches a new ticket's attachment URLs, as Socialboards may when it copies the files
 * (docs/socialboards-api.md §5.2: whether it copies or links is UNKNOWN). What each fetch got is recorded,
 * so a test sees an unreachable or wrong URL. Only loopback addresses are fetched: the fake never
 * reaches beyond this machine.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';

/** What fetching one attachment URL gave. */
export interface FetchedAttachment {
  url: string;
  name: string;
  /** The final HTTP status after redirects; null when nothing answered. */
  status: number | null;
  /** Bytes of the body and their SHA-256 (hex); null without a 2xx body. */
  size: number | null;
  sha256: string | null;
  /** The final answer's Content-Type, and its Content-Disposition. */
  contentType: string | null;
  contentDisposition: string | null;
  /** Why nothing was fetched: not a loopback URL, a timeout, a refused connection, too many redirects. */
  error?: string;
}

export interface FetchOptions {
  fetch: typeof globalThis.fetch;
  /** For each URL, redirects included. */
  timeoutMs: number;
}

const MAX_REDIRECTS = 5;

/** Whether a URL points at this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return isIP(host) === 6 && host === '::1';
}

/** Fetches every attachment at once; never throws. */
export function fetchAttachments(attachments: readonly { url: string; name: string }[], options: FetchOptions): Promise<FetchedAttachment[]> {
  return Promise.all(attachments.map(({ url, name }) => fetchOne(url, name, options)));
}

async function fetchOne(url: string, name: string, { fetch, timeoutMs }: FetchOptions): Promise<FetchedAttachment> {
  const nothing = { url, name, status: null, size: null, sha256: null, contentType: null, contentDisposition: null };
  const signal = AbortSignal.timeout(timeoutMs);
  let target = url;
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
      if (!isLoopbackUrl(target)) return { ...nothing, error: `not fetched: ${hop === 0 ? '' : 'redirected to '}an address beyond this machine` };
      const response = await fetch(target, { redirect: 'manual', signal });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel();
        target = new URL(location, target).href;
        continue;
      }
      const got = {
        ...nothing,
        status: response.status,
        contentType: response.headers.get('content-type'),
        contentDisposition: response.headers.get('content-disposition'),
      };
      if (!response.ok || response.body === null) {
        await response.body?.cancel();
        return got;
      }
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of response.body) {
        hash.update(chunk);
        size += chunk.length;
      }
      return { ...got, size, sha256: hash.digest('hex') };
    }
    return { ...nothing, error: `more than ${MAX_REDIRECTS} redirects` };
  } catch (error) {
    return { ...nothing, error: signal.aborted ? `no answer within ${timeoutMs} ms` : errorText(error) };
  }
}

function errorText(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}
