/**
 * The signed identity token, as both sides see it (docs/identity.md): a compact JWT, HS256, `kid`
 * in the header, `aud`, `iat` and `exp` required, and the visitor's name, email and custom field
 * values as claims. The site's server signs it (sign-identity.ts); the relay verifies it.
 */
import * as v from 'valibot';
import { FIELD_ISSUE_TEXT_EN, formatIssue, toFieldIssues } from '../../shared/field-issues';
import { isEmail } from '../../shared/formats';
import { LIMITS } from '../../shared/limits';
import { Creator } from '../../shared/ticket-request';
import { fail, ok } from '../../shared/result';
import type { Result } from '../../shared/result';

/** The one algorithm: a token naming any other (`none`, `RS256`, …) is refused before any key is used. */
export const IDENTITY_ALGORITHM = 'HS256';

/** The `aud` a token must carry unless the relay sets RELAY_IDENTITY_AUDIENCE. */
export const IDENTITY_AUDIENCE = 'socialboards-ticket-relay';

/** Shortest secret accepted: 32 characters, the 256 bits of HS256's hash (RFC 7518 §3.2). */
export const MIN_SECRET_LENGTH = 32;

/** Longest token accepted, in characters (the request schema's cap too). */
export const MAX_TOKEN_LENGTH = LIMITS.identity;

const FIELD_ID = /^[1-9]\d{0,14}$/;
const FIELD_VALUE = `must be a string of at most ${LIMITS.customFieldValue} characters`;

const fieldText = v.pipe(v.string(FIELD_VALUE), v.maxLength(LIMITS.customFieldValue, FIELD_VALUE));

/**
 * The claims the relay uses; other claims (`sub`, `iss`, `jti`, …) may be present and are ignored.
 * Each message starts after the claim's name (`email must be …`).
 */
export const IdentityClaims = v.looseObject({
  name: v.optional(
    v.pipe(
      v.string(`must be a string of 1 to ${LIMITS.name} characters`),
      v.trim(),
      v.nonEmpty(`must be a string of 1 to ${LIMITS.name} characters`),
      v.maxLength(LIMITS.name, `must be a string of 1 to ${LIMITS.name} characters`),
    ),
  ),
  email: v.optional(
    v.pipe(
      v.string('must be an email address'),
      v.trim(),
      v.maxLength(LIMITS.email, `must be an email address of at most ${LIMITS.email} characters`),
      v.check(isEmail, 'must be an email address'),
    ),
  ),
  fields: v.optional(
    v.pipe(
      v.record(
        v.pipe(v.string(), v.regex(FIELD_ID, 'must be keyed by custom field ids (positive integers)')),
        v.union([fieldText, v.pipe(v.array(fieldText), v.maxLength(LIMITS.customFields))], `values ${FIELD_VALUE}, or a list of such strings`),
        'must be an object of custom field values by id, like {"42626": "gold"}',
      ),
      v.check((fields) => Object.keys(fields).length <= LIMITS.customFields, `must have at most ${LIMITS.customFields} fields`),
    ),
  ),
});

/** What a verified token vouches for. */
export type IdentityClaims = v.InferOutput<typeof IdentityClaims>;

/**
 * Reads claims: what the relay uses, or the first problem as `email must be an email address`.
 * Signed names and emails also pass the rules typed ones do (the shared `Creator` schema), and
 * come out as that schema leaves them, so a signed value is never held to a laxer rule.
 */
export function readClaims(input: unknown): Result<IdentityClaims, string> {
  const result = v.safeParse(IdentityClaims, input);
  if (!result.success) {
    const [issue] = result.issues;
    const path = (issue.path ?? []).map((item) => String(item.key)).join('.');
    return fail(`${path || 'the claims'} ${issue.message}`);
  }
  const { name, email } = result.output;
  const creator = v.safeParse(Creator, { name, email });
  if (!creator.success) {
    const [issue] = toFieldIssues(creator.issues);
    return fail(issue === undefined ? 'name or email is not valid' : `${issue.path}: ${formatIssue(FIELD_ISSUE_TEXT_EN[issue.code], issue)}`);
  }
  const claims: IdentityClaims = { ...result.output };
  delete claims.name;
  delete claims.email;
  if (creator.output.name !== undefined) claims.name = creator.output.name;
  if (creator.output.email !== undefined) claims.email = creator.output.email;
  return ok(claims);
}
