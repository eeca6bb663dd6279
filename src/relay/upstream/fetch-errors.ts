/** What a thrown `fetch` error says: whether it was a timeout, and a reason fit for the log. */

/** True for the error `fetch` throws when its `AbortSignal.timeout` fires. */
export function isTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TimeoutError';
}

/** A short, credential-free reason for a thrown fetch error (`fetch failed: ECONNREFUSED`). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? `${error.message}: ${cause.code}` : `${error.name}: ${error.message}`;
}
