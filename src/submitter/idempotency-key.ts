/** Makes Idempotency-Key values: one per submission, reused by every retry of it. */
import { hex } from './hex';

/**
 * 128 random bits as 32 hex characters. Uses getRandomValues rather than randomUUID because
 * randomUUID exists only in secure contexts, and widgets also live on plain-http intranet pages.
 */
export function newIdempotencyKey(): string {
  return hex(crypto.getRandomValues(new Uint8Array(16)));
}
