/**
 * Signs a visitor's identity on the site's own server, for the widget's `identity` option
 * (docs/identity.md). Node 20+ (or any runtime with Web Crypto); its only dependency is `jose`.
 */
import { SignJWT } from 'jose';
import type { FieldValue } from '../../shared/field-values';
import { IDENTITY_ALGORITHM, IDENTITY_AUDIENCE, MAX_TOKEN_LENGTH, MIN_SECRET_LENGTH, readClaims } from './identity-token';

export interface SignIdentityOptions {
  /** The key: its id (the relay's RELAY_IDENTITY_KEYS names it) and its secret. */
  key: { id: string; secret: string };
  /** The logged-in visitor's name; wins over what the visitor types. */
  name?: string;
  /** The logged-in visitor's email; wins over what the visitor types. */
  email?: string;
  /** Values of custom fields by id (a list for multiple choice), in the canonical form of docs/form-config.md. */
  fields?: Record<string | number, FieldValue>;
  /** Seconds until the token expires (default 600). Keep it at or below the relay's RELAY_IDENTITY_MAX_LIFETIME_SECONDS. */
  expiresInSeconds?: number;
  /** Default `socialboards-ticket-relay`; match RELAY_IDENTITY_AUDIENCE if the relay sets one. */
  audience?: string;
  /** Your own user id, if you want it in the token (the relay does not use it). */
  subject?: string;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
}

/** Ten minutes: enough to write a message, short enough that a leaked token soon dies. */
export const DEFAULT_EXPIRES_IN_SECONDS = 600;

/**
 * Returns a compact JWT (HS256, `kid` header, `aud`, `iat`, `exp`, and the claims given).
 * Throws a `TypeError` for a short secret or an invalid claim, so a mistake shows at signing
 * time rather than as refused tickets.
 */
export async function signIdentity(options: SignIdentityOptions): Promise<string> {
  const { key, name, email, fields, expiresInSeconds = DEFAULT_EXPIRES_IN_SECONDS, audience = IDENTITY_AUDIENCE, subject } = options;
  if (key.secret.length < MIN_SECRET_LENGTH) throw new TypeError(`signIdentity: the secret must be at least ${MIN_SECRET_LENGTH} characters`);
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1) throw new TypeError('signIdentity: expiresInSeconds must be a positive whole number');
  const claims: Record<string, unknown> = {};
  if (name !== undefined) claims.name = name;
  if (email !== undefined) claims.email = email;
  if (fields !== undefined) claims.fields = fields;
  const read = readClaims(claims);
  if (!read.ok) throw new TypeError(`signIdentity: ${read.error}`);
  const issuedAt = Math.floor((options.now ?? Date.now)() / 1000);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: IDENTITY_ALGORITHM, kid: key.id, typ: 'JWT' })
    .setAudience(audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + expiresInSeconds);
  const token = await (subject === undefined ? jwt : jwt.setSubject(subject)).sign(new TextEncoder().encode(key.secret));
  if (token.length > MAX_TOKEN_LENGTH) throw new TypeError(`signIdentity: the token is longer than ${MAX_TOKEN_LENGTH} characters; sign fewer or shorter fields`);
  return token;
}
