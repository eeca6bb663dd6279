/** Reads a `Retry-After` header the same way in the relay and the widget. */

/**
 * Milliseconds to wait from `now`: `Retry-After` is either delay-seconds or an HTTP date
 * (RFC 9110 §10.2.3). Anything else is `undefined`.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  // An HTTP date always has a month name; this keeps Date.parse's leniency ('-5') out.
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
