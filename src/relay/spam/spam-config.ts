/** The spam-defence variables of the relay's environment (docs/spam.md), as a valibot schema that config.ts composes. */
import * as v from 'valibot';
import { commaList, flag, integer } from '../env-values';

export const CHALLENGE_PROVIDERS = ['none', 'turnstile', 'hcaptcha', 'altcha'] as const;

/** Where each provider checks a token, unless RELAY_CHALLENGE_VERIFY_URL says otherwise (tests point it at a stand-in). */
export const VERIFY_URLS = {
  // https://developers.cloudflare.com/turnstile/get-started/server-side-validation/
  turnstile: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
  // https://docs.hcaptcha.com/#verify-the-user-response-server-side
  hcaptcha: 'https://api.hcaptcha.com/siteverify',
} as const;

/** A third-party challenge the relay verifies at the provider's siteverify endpoint. */
export interface SiteverifyConfig {
  provider: 'turnstile' | 'hcaptcha';
  siteKey: string;
  secret: string;
  verifyUrl: string;
  /** Hostnames a token may have been solved on; null: the hosts of RELAY_ALLOWED_ORIGINS. */
  hostnames: string[] | null;
  /** Turnstile's action, set by the widget and checked here (hCaptcha has none). */
  action: string;
}

/** Proof of work the relay issues and checks itself (ALTCHA), with no third party. */
export interface AltchaConfig {
  provider: 'altcha';
  /** The HMAC key that signs challenges; null: a random key per process (docs/spam.md says what that means). */
  hmacKey: string | null;
  /** The counter is drawn from 0 to this: the most SHA-256 digests a browser computes, on average half. */
  maxNumber: number;
  expirySeconds: number;
  hostnames: string[] | null;
  action: string;
}

export type ChallengeConfig = SiteverifyConfig | AltchaConfig;

/** The relay's spam-defence settings. */
export interface SpamConfig {
  /** A form sent sooner than this after it was shown is refused; 0 turns the check off. */
  minFillMs: number;
  /** Whether a request without `verification` (an API client, or a script) is refused as spam. */
  requireVerification: boolean;
  challenge: ChallengeConfig | null;
}

const HOSTNAME = /^[a-z\d]([a-z\d-]*[a-z\d])?(\.[a-z\d]([a-z\d-]*[a-z\d])?)*$/;
const HOSTNAMES_MESSAGE = 'must be a comma-separated list of host names like shop.example (no scheme, port or path)';

const text = () => v.optional(v.pipe(v.string(), v.trim()));

const SpamVariables = v.object({
  RELAY_SPAM_MIN_FILL_MS: integer(0, 600_000, 1500),
  RELAY_SPAM_REQUIRE_VERIFICATION: flag('false'),
  RELAY_CHALLENGE: v.optional(
    v.pipe(v.string(), v.trim(), v.toLowerCase(), v.picklist(CHALLENGE_PROVIDERS, `must be one of ${CHALLENGE_PROVIDERS.join(', ')}`)),
    'none',
  ),
  RELAY_CHALLENGE_SITE_KEY: text(),
  RELAY_CHALLENGE_SECRET: text(),
  RELAY_CHALLENGE_VERIFY_URL: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.check((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'must be an http(s) URL'),
    ),
  ),
  RELAY_CHALLENGE_HOSTNAMES: v.optional(
    v.pipe(
      v.string(),
      v.transform((value) => commaList(value.toLowerCase())),
      v.minLength(1, HOSTNAMES_MESSAGE),
      v.check((items) => items.every((item) => HOSTNAME.test(item)), HOSTNAMES_MESSAGE),
    ),
  ),
  // Turnstile allows up to 32 letters, digits, - and _ (https://developers.cloudflare.com/turnstile/get-started/client-side-rendering/).
  RELAY_CHALLENGE_ACTION: v.optional(v.pipe(v.string(), v.trim(), v.regex(/^[\w-]{1,32}$/, 'must be 1 to 32 letters, digits, - or _')), 'ticket'),
  RELAY_ALTCHA_MAX_NUMBER: integer(1_000, 10_000_000, 100_000),
  RELAY_ALTCHA_EXPIRY_SECONDS: integer(30, 24 * 3600, 1200),
});
type SpamVariables = v.InferOutput<typeof SpamVariables>;

/** The spam variables of an environment, with the checks between them, parsed into `SpamConfig`. Other variables are ignored. */
export const SpamEnv = v.pipe(
  SpamVariables,
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const input = dataset.value;
    const problem = (key: keyof SpamVariables, message: string) =>
      addIssue({ message, path: [{ type: 'object', origin: 'value', input, key, value: input[key] }] });
    const provider = input.RELAY_CHALLENGE;
    if (provider === 'turnstile' || provider === 'hcaptcha') {
      for (const key of ['RELAY_CHALLENGE_SITE_KEY', 'RELAY_CHALLENGE_SECRET'] as const) {
        if (input[key] === undefined) problem(key, `is required when RELAY_CHALLENGE=${provider}`);
      }
    }
    // A short key could be guessed offline from one signed challenge.
    if (provider === 'altcha' && input.RELAY_CHALLENGE_SECRET !== undefined && input.RELAY_CHALLENGE_SECRET.length < 32) {
      problem('RELAY_CHALLENGE_SECRET', 'must be at least 32 characters (the HMAC key that signs ALTCHA challenges)');
    }
  }),
  v.transform(toSpamConfig),
);

function toSpamConfig(env: SpamVariables): SpamConfig {
  const common = { hostnames: env.RELAY_CHALLENGE_HOSTNAMES ?? null, action: env.RELAY_CHALLENGE_ACTION };
  const provider = env.RELAY_CHALLENGE;
  const challenge: ChallengeConfig | null =
    provider === 'none'
      ? null
      : provider === 'altcha'
        ? { provider, hmacKey: env.RELAY_CHALLENGE_SECRET ?? null, maxNumber: env.RELAY_ALTCHA_MAX_NUMBER, expirySeconds: env.RELAY_ALTCHA_EXPIRY_SECONDS, ...common }
        : {
            provider,
            siteKey: env.RELAY_CHALLENGE_SITE_KEY ?? '',
            secret: env.RELAY_CHALLENGE_SECRET ?? '',
            verifyUrl: env.RELAY_CHALLENGE_VERIFY_URL ?? VERIFY_URLS[provider],
            ...common,
          };
  return { minFillMs: env.RELAY_SPAM_MIN_FILL_MS, requireVerification: env.RELAY_SPAM_REQUIRE_VERIFICATION, challenge };
}
