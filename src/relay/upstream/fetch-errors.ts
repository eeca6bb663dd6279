/** What a thrown `fetch` error says: a timeout, a request that never left, and a loggable reason. */

/** True for the error `fetch` throws when its time limit fires (`timeLimit`'s signal, as `AbortSignal.timeout`'s). */
export function isTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TimeoutError';
}

/**
 * Causes Node's fetch (undici) reports when no connection was made, so not a byte of the request
 * went out. Any other error may come after the request was sent.
 */
const BEFORE_SENDING: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** True when `fetch` failed before sending anything, so the other side cannot have acted on the request. */
export function failedBeforeSending(error: unknown): boolean {
  const code = causeCode(error);
  return code !== undefined && BEFORE_SENDING.has(code);
}

/** A short, credential-free reason for a thrown fetch error (`fetch failed: ECONNREFUSED`). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = causeCode(error);
  return code === undefined ? `${error.name}: ${error.message}` : `${error.message}: ${code}`;
}

/** Node's fetch puts the system error's code on its `cause`; undici's dispatcher (node-http-fetch.ts) and node:http put it on the error itself. */
function causeCode(error: unknown): string | undefined {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  const found = cause?.code ?? code;
  return typeof found === 'string' ? found : undefined;
}
