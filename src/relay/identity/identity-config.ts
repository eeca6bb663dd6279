/** The identity variables of the relay's environment (docs/identity.md), as a valibot schema that config.ts composes. */
import * as v from 'valibot';
import { flag, integer } from '../env-values';
import { IDENTITY_AUDIENCE, MIN_SECRET_LENGTH } from './identity-token';

/** A key id as it appears in a token's `kid` header: short, and safe to name in a log line. */
const KID = /^[\w.-]{1,64}$/;

const KEYS_MESSAGE =
  `must be a comma-separated list of kid=secret pairs (kid: 1 to 64 letters, digits, ".", "_" or "-"; ` +
  `secret: at least ${MIN_SECRET_LENGTH} characters, no comma), each kid once`;

/** One signing key: the `kid` a token names, and the HS256 secret it was signed with. */
export interface IdentityKey {
  id: string;
  secret: string;
}

/** `kid1=secret1,kid2=secret2`; undefined when the list is not of that shape (the message never quotes it: it holds secrets). */
function parseKeys(value: string): IdentityKey[] | undefined {
  const keys: IdentityKey[] = [];
  for (const pair of value.split(',').filter((item) => item.trim() !== '')) {
    const at = pair.indexOf('=');
    const id = pair.slice(0, at).trim();
    const secret = pair.slice(at + 1).trim();
    if (at < 0 || !KID.test(id) || secret.length < MIN_SECRET_LENGTH || keys.some((key) => key.id === id)) return undefined;
    keys.push({ id, secret });
  }
  return keys.length > 0 ? keys : undefined;
}

const IdentityVariables = v.object({
  RELAY_IDENTITY_KEYS: v.optional(
    v.pipe(
      v.string(KEYS_MESSAGE),
      v.rawTransform(({ dataset, addIssue, NEVER }) => {
        const keys = parseKeys(dataset.value);
        if (keys === undefined) {
          addIssue({ message: KEYS_MESSAGE });
          return NEVER;
        }
        return keys;
      }),
    ),
  ),
  RELAY_IDENTITY_REQUIRED: flag('false'),
  RELAY_IDENTITY_TAG: v.optional(
    v.pipe(v.string(), v.trim(), v.regex(/^[^,]{1,100}$/, 'must be one tag name of at most 100 characters, without a comma')),
  ),
  RELAY_IDENTITY_AUDIENCE: v.optional(
    v.pipe(v.string(), v.trim(), v.regex(/^\S{1,200}$/, 'must be one word of at most 200 characters (no spaces)')),
    IDENTITY_AUDIENCE,
  ),
  RELAY_IDENTITY_MAX_LIFETIME_SECONDS: integer(10, 86_400, 3600),
  RELAY_IDENTITY_CLOCK_TOLERANCE_SECONDS: integer(0, 300, 30),
});

/** The relay's identity settings. */
export interface IdentityConfig {
  /** Keys by `kid`; empty when RELAY_IDENTITY_KEYS is unset (then no token can be verified). */
  keys: readonly IdentityKey[];
  /** Refuse every ticket without a verified token. */
  required: boolean;
  /** A tag added to every ticket with a verified token; null for none. */
  tag: string | null;
  audience: string;
  /** Longest `exp − iat` accepted, in seconds. */
  maxLifetimeSeconds: number;
  clockToleranceSeconds: number;
}

/** Requiring or tagging identity without keys would refuse every ticket, or tag none: name the variable. */
const needsKeys = v.rawCheck<v.InferOutput<typeof IdentityVariables>>(({ dataset, addIssue }) => {
  if (!dataset.typed || dataset.value.RELAY_IDENTITY_KEYS !== undefined) return;
  const input = dataset.value;
  for (const key of ['RELAY_IDENTITY_REQUIRED', 'RELAY_IDENTITY_TAG'] as const) {
    const value = input[key];
    if (value === false || value === undefined) continue;
    addIssue({ message: 'needs RELAY_IDENTITY_KEYS: without keys no token can be verified', path: [{ type: 'object', origin: 'value', input, key, value }] });
  }
});

/**
 * The identity variables of an environment, with their checks, parsed into `IdentityConfig`.
 * Other variables are ignored. Messages never quote a value: RELAY_IDENTITY_KEYS holds secrets.
 */
export const IdentityEnv = v.pipe(
  IdentityVariables,
  needsKeys,
  v.transform(
    (env): IdentityConfig => ({
      keys: env.RELAY_IDENTITY_KEYS ?? [],
      required: env.RELAY_IDENTITY_REQUIRED,
      tag: env.RELAY_IDENTITY_TAG ?? null,
      audience: env.RELAY_IDENTITY_AUDIENCE,
      maxLifetimeSeconds: env.RELAY_IDENTITY_MAX_LIFETIME_SECONDS,
      clockToleranceSeconds: env.RELAY_IDENTITY_CLOCK_TOLERANCE_SECONDS,
    }),
  ),
);
