/** A request's fingerprint: SHA-256 of its canonical JSON, so "same body" ignores key order and whitespace. */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every depth; `undefined` members are dropped, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const members = Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Hex SHA-256 of the canonical JSON. node:crypto's hash runs in place: Web Crypto's `digest` is a
 * job on Node's thread pool, whose promise costs more than hashing a ticket (a tenth of the relay's
 * CPU per ticket in a profile); Workers have `createHash` under `nodejs_compat`, as for client-address.ts.
 */
export async function fingerprint(value: unknown): Promise<string> {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
