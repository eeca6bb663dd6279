/** Identity tokens for tests: signed by the helper, or forged by hand where a test needs what the helper refuses to make. */
import { createHmac } from 'node:crypto';
import type { IdentityConfig } from '../../../src/relay/identity/identity-config';
import { IDENTITY_AUDIENCE } from '../../../src/relay/identity/identity-token';

export const KEY = { id: 'site-2026', secret: 'k'.repeat(16) + 'SECRET-identity-0123456789' };
export const OLD_KEY = { id: 'site-2025', secret: 'o'.repeat(16) + 'SECRET-identity-old-98765' };
/** The relay's variable for KEY and OLD_KEY. */
export const KEYS_ENV = `${KEY.id}=${KEY.secret},${OLD_KEY.id}=${OLD_KEY.secret}`;

/** A fixed clock: 2026-12-01T03:00:00Z. */
export const NOW_MS = Date.UTC(2026, 11, 1, 3, 0, 0);
export const NOW = NOW_MS / 1000;

export const IDENTITY_CONFIG: IdentityConfig = {
  keys: [KEY, OLD_KEY],
  required: false,
  tag: null,
  audience: IDENTITY_AUDIENCE,
  maxLifetimeSeconds: 3600,
  clockToleranceSeconds: 30,
};

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A token with exactly this header and payload, HMAC-SHA256-signed with `secret` (or with `signature`). */
export function forge(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  { secret = KEY.secret, signature }: { secret?: string; signature?: string } = {},
): string {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  return `${input}.${signature ?? createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The claims of a good token issued now, with `extra` merged in. */
export const claims = (extra: Record<string, unknown> = {}) => ({
  aud: IDENTITY_AUDIENCE,
  iat: NOW,
  exp: NOW + 600,
  name: 'Ann Verified',
  email: 'ann@verified.example',
  ...extra,
});

export const HEADER = { alg: 'HS256', kid: KEY.id, typ: 'JWT' };
