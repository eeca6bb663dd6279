/**
 * Verifies a signed identity token with the key its `kid` names. A failure says which check
 * failed, in words for integrators; it never quotes the token, a claim's value or a secret.
 */
import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { IdentityConfig } from './identity-config';
import { IDENTITY_ALGORITHM, MAX_TOKEN_LENGTH, readClaims } from './identity-token';
import type { IdentityClaims } from './identity-token';
import { fail, ok } from '../../shared/result';
import type { Result } from '../../shared/result';

/** Which check failed: stable, for logs and tests. */
export type IdentityFailureReason =
  | 'not_configured'
  | 'too_large'
  | 'malformed'
  | 'algorithm'
  | 'kid_missing'
  | 'kid_unknown'
  | 'signature'
  | 'claim_missing'
  | 'audience'
  | 'expired'
  | 'not_yet_valid'
  | 'lifetime'
  | 'claims';

/** Which check failed, and what integrators are told about it. */
export interface IdentityRefusal {
  reason: IdentityFailureReason;
  message: string;
}

/** The token's claims and the key that verified them, or the refusal. */
export type IdentityVerification = Result<{ claims: IdentityClaims; kid: string }, IdentityRefusal>;

export type VerifyIdentity = (token: string) => Promise<IdentityVerification>;

const refuse = (reason: IdentityFailureReason, message: string): IdentityVerification => fail({ reason, message });

/** Creates the verifier for the relay's keys and limits; `now` is the relay's clock in milliseconds. */
export function createIdentityVerifier(config: IdentityConfig, now: () => number = Date.now): VerifyIdentity {
  const secrets = new Map(config.keys.map((key) => [key.id, new TextEncoder().encode(key.secret)]));
  const tolerance = config.clockToleranceSeconds;

  return async (token) => {
    if (secrets.size === 0) {
      return refuse('not_configured', 'This relay verifies no identity tokens (RELAY_IDENTITY_KEYS is not set); send the ticket without "identity".');
    }
    if (token.length > MAX_TOKEN_LENGTH) return refuse('too_large', `The identity token is longer than ${MAX_TOKEN_LENGTH} characters.`);
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      // Read before verifying, to pick the key and to refuse other algorithms by name.
      header = decodeProtectedHeader(token);
    } catch {
      return refuse('malformed', 'The identity token is not a compact JWT (three base64url parts with a JSON header).');
    }
    if (token.split('.').length !== 3) return refuse('malformed', 'The identity token is not a compact JWS (an encrypted or unsigned JWT is not accepted).');
    if (header.alg !== IDENTITY_ALGORITHM) {
      return refuse('algorithm', `The identity token must be signed with ${IDENTITY_ALGORITHM}; its header names another algorithm.`);
    }
    if (typeof header.kid !== 'string' || header.kid === '') {
      return refuse('kid_missing', 'The identity token has no "kid" header naming the key it was signed with.');
    }
    const secret = secrets.get(header.kid);
    if (secret === undefined) return refuse('kid_unknown', 'The identity token\'s "kid" names no key in this relay\'s RELAY_IDENTITY_KEYS.');

    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, secret, {
        algorithms: [IDENTITY_ALGORITHM],
        audience: config.audience,
        requiredClaims: ['exp', 'iat'],
        // Also refuses an `iat` in the future, which a lifetime check alone would let through.
        maxTokenAge: config.maxLifetimeSeconds,
        clockTolerance: tolerance,
        currentDate: new Date(now()),
      }));
    } catch (error) {
      return explain(error, config.audience);
    }
    const { exp, iat } = payload as { exp: number; iat: number };
    if (exp - iat > config.maxLifetimeSeconds) {
      return refuse('lifetime', `The identity token lives longer than this relay accepts: exp − iat must be at most ${config.maxLifetimeSeconds} seconds (RELAY_IDENTITY_MAX_LIFETIME_SECONDS).`);
    }
    const read = readClaims(payload);
    if (!read.ok) return refuse('claims', `The identity token's claim ${read.error}${read.error.endsWith('.') ? '' : '.'}`);
    return ok({ claims: read.value, kid: header.kid });
  };
}

/** jose's error, as the check that failed. */
function explain(error: unknown, audience: string): IdentityVerification {
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return refuse('signature', 'The identity token\'s signature does not match the key its "kid" names (a wrong secret, or a changed token).');
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return refuse('algorithm', `The identity token must be signed with ${IDENTITY_ALGORITHM}; its header names another algorithm.`);
  }
  if (error instanceof errors.JWTExpired) {
    return error.claim === 'iat'
      ? refuse('expired', 'The identity token was issued too long ago ("iat" is older than RELAY_IDENTITY_MAX_LIFETIME_SECONDS); sign a fresh one.')
      : refuse('expired', 'The identity token has expired ("exp" is in the past); sign a fresh one, for instance when the visitor sends.');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return refuse('claim_missing', `The identity token has no "${error.claim}" claim, which is required.`);
    if (error.claim === 'aud') return refuse('audience', `The identity token's "aud" must be "${audience}".`);
    if (error.claim === 'nbf' || error.claim === 'iat') {
      return refuse('not_yet_valid', `The identity token is not valid yet ("${error.claim}" is in the future, beyond the relay's clock tolerance).`);
    }
  }
  if (error instanceof errors.JOSEError) {
    // jose's own sentence names the part at fault (`"exp" claim must be a number`); it quotes no value.
    return refuse('malformed', `The identity token is malformed: ${error.message}.`);
  }
  return refuse('malformed', 'The identity token is malformed.');
}
