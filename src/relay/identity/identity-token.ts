/**
 * The signed identity token, as both sides see it (docs/identity.md): a compact JWT, HS256, `kid`
 * in the header, `aud`, `iat` and `exp` required, and the visitor's name, email and custom field
 * values as claims. The site's server signs it (sign-identity.ts); the relay verifies it.
 */
import { fail, ok, type Result } from '../../shared/result';
import * as v from 'valibot';
import { BUILT_IN_FIELDS } from '../../shared/built-in-fields';
import { FIELD_ISSUE_TEXT_EN, formatIssue, toFieldIssues } from '../../shared/field-issues';
import { fieldSchema } from '../../shared/field-values';
import { isEmail } from '../../shared/formats';
import { LIMITS } from '../../shared/limits';

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

/**
 * The rules of the built-in name and email fields, which signed values pass like typed ones:
 * optional here (a token need not carry them), and applied whether or not the operator asks for
 * the fields, since a verified identity is used even where the form hides them.
 */
const CREATOR_SCHEMAS = {
  name: builtInSchema('creator.name'),
  email: builtInSchema('creator.email'),
};

function builtInSchema(path: string) {
  const spec = BUILT_IN_FIELDS.find((field) => field.path === path);
  if (spec === undefined) throw new Error(`no built-in field at ${path}`);
  return fieldSchema({ ...spec, required: false });
}

/** What a verified token vouches for. */
export type IdentityClaims = v.InferOutput<typeof IdentityClaims>;

/**
 * Reads claims: what the relay uses, or the first problem as `email must be an email address`.
 * Signed names and emails also pass the rules typed ones do (the built-in fields' schemas), and
 * come out as those schemas leave them, so a signed value is never held to a laxer rule.
 */
export function readClaims(input: unknown): Result<IdentityClaims, string> {
  const result = v.safeParse(IdentityClaims, input);
  if (!result.success) {
    const [issue] = result.issues;
    const path = (issue.path ?? []).map((item) => String(item.key)).join('.');
    return fail(`${path || 'the claims'} ${issue.message}`);
  }
  const claims: IdentityClaims = { ...result.output };
  for (const key of ['name', 'email'] as const) {
    const value = claims[key];
    if (value === undefined) continue;
    const checked = v.safeParse(CREATOR_SCHEMAS[key], value, { abortPipeEarly: true });
    if (!checked.success) {
      const [issue] = toFieldIssues(checked.issues);
      return fail(issue === undefined ? `${key} is not valid` : `${key}: ${formatIssue(FIELD_ISSUE_TEXT_EN[issue.code], issue)}`);
    }
    // As the schema leaves it: cleaned and trimmed (a single-line field's value is one string).
    claims[key] = String(checked.output);
  }
  return ok(claims);
}
