/** A request's fingerprint: SHA-256 of its canonical JSON, so "same body" ignores key order and whitespace. */
import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth; `undefined` members are dropped, as JSON.stringify does.
 * Built as one string, without the arrays of entries a sort-and-join would make per object (every
 * ticket is fingerprinted).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i] ?? null);
    return `${out}]`;
  }
  if (typeof value === 'object' && value !== null) {
    let out = '';
    // Object.keys' order sorted by code unit, as `<` compares strings.
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
    }
    return `{${out}}`;
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
