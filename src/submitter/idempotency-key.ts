/** Makes Idempotency-Key values: one per submission, reused by every retry of it. */

/**
 * 128 random bits as 32 hex characters. Uses getRandomValues rather than randomUUID because
 * randomUUID exists only in secure contexts, and widgets also live on plain-http intranet pages.
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
