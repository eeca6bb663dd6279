/**
 * The abuse-limit variables of the relay's environment (docs/relay.md#abuse-limits): who the client
 * is, how often it may call, how much it may store, how long its body may stall, and where the
 * counters live. Composed by config.ts like the attachment variables.
 */
import * as v from 'valibot';
import { integer, wholeNumber } from '../env-values';

/** One window of a rate limit: at most `points` in `seconds`. */
export interface RateWindow {
  points: number;
  seconds: number;
}

/** A rate limit: every window must allow the request. Empty: no limit (`off`). */
export type RateSpec = readonly RateWindow[];

const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };
const WINDOW = /^(\d{1,9})\/(\d{1,6})([smhd]?)$/;
const RATE_MESSAGE = 'must be off or a comma-separated list of COUNT/PERIOD like 5/10m,30/1d (period in s, m, h or d, at most 30 days)';

/** Parses `5/10m,30/1d` (or `off`) into windows. */
export function parseRateSpec(text: string): RateSpec | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'off') return [];
  const windows: RateWindow[] = [];
  for (const item of value.split(',')) {
    const match = WINDOW.exec(item.trim());
    if (match === null) return undefined;
    const points = Number(match[1]);
    const seconds = Number(match[2]) * (UNIT_SECONDS[match[3] ?? ''] ?? 1);
    if (points < 1 || seconds < 1 || seconds > 30 * 86_400) return undefined;
    windows.push({ points, seconds });
  }
  return windows;
}

const rate = (fallback: string) =>
  v.optional(
    v.pipe(
      v.string(),
      v.transform(parseRateSpec),
      v.check((spec) => spec !== undefined, RATE_MESSAGE),
      v.transform((spec) => spec as RateSpec),
    ),
    fallback,
  );

/**
 * Production defaults, each justified in README ("Abuse limits"): a person sends a ticket or two,
 * a few files each, and loads the form once per page view; the per-origin limits cap what a crowd
 * of addresses (a botnet, or one site's real visitors gone wild) can put in the inbox.
 */
const DEFAULT_LIMITS = {
  RELAY_RATE_LIMIT_REQUESTS: '120/1m',
  RELAY_RATE_LIMIT_TICKETS: '5/10m,30/1d',
  RELAY_RATE_LIMIT_TICKETS_PER_ORIGIN: '100/10m,1000/1d',
  RELAY_RATE_LIMIT_UPLOADS: '25/10m,100/1d',
  RELAY_RATE_LIMIT_UPLOADS_PER_ORIGIN: '500/10m,5000/1d',
  RELAY_RATE_LIMIT_FORM: '60/10m',
  RELAY_RATE_LIMIT_FORM_PER_ORIGIN: '20000/10m',
  RELAY_RATE_LIMIT_FILES: '600/1m',
} as const;

const REDIS_URL_MESSAGE = 'must be a redis:// or rediss:// URL';

/** The variables, with their defaults. Blank counts as unset (config.ts drops blank values). */
const LimitsEntries = v.object({
  REDIS_URL: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.check((value) => /^rediss?:\/\/[^\s]+$/.test(value) && URL.canParse(value), REDIS_URL_MESSAGE),
    ),
  ),
  RELAY_TRUSTED_PROXIES: integer(0, 10, 0),
  RELAY_FORWARDED_HEADER: v.optional(
    v.pipe(v.string(), v.trim(), v.toLowerCase(), v.picklist(['x-forwarded-for', 'forwarded'], 'must be x-forwarded-for or forwarded')),
    'x-forwarded-for',
  ),
  RELAY_LOG_CLIENT_KEY: v.optional(v.pipe(v.string(), v.trim(), v.minLength(16, 'must be at least 16 characters (a random secret)'))),
  RELAY_RATE_LIMIT_REQUESTS: rate(DEFAULT_LIMITS.RELAY_RATE_LIMIT_REQUESTS),
  RELAY_RATE_LIMIT_TICKETS: rate(DEFAULT_LIMITS.RELAY_RATE_LIMIT_TICKETS),
  RELAY_RATE_LIMIT_TICKETS_PER_ORIGIN: rate(DEFAULT_LIMITS.RELAY_RATE_LIMIT_TICKETS_PER_ORIGIN),
  RELAY_RATE_LIMIT_UPLOADS: rate(DEFAULT_LIMITS.RELAY_RATE_LIMIT_UPLOADS),
  RELAY_RATE_LIMIT_UPLOADS_PER_ORIGIN: rate(DEFAULT_LIMITS.RELAY_RATE_LIMIT_UPLOADS_PER_ORIGIN),
  RELAY_RATE_LIMIT_FORM: rate(DEFAULT_LIMITS.RELAY_RATE_LIMIT_FORM),
  RELAY_RATE_LIMIT_FORM_PER_ORIGIN: rate(DEFAULT_LIMITS.RELAY_RATE_LIMIT_FORM_PER_ORIGIN),
  RELAY_RATE_LIMIT_FILES: rate(DEFAULT_LIMITS.RELAY_RATE_LIMIT_FILES),
  RELAY_MAX_REQUESTS_PER_CLIENT: integer(1, 10_000, 8),
  RELAY_MAX_CONNECTIONS_PER_CLIENT: integer(1, 100_000, 32),
  RELAY_BODY_TIMEOUT_MS: integer(1000, 600_000, 10_000),
  RELAY_ATTACHMENT_DAILY_MB: integer(1, 1024 * 1024, 100),
  // Unset: as much as one ticket may carry (RELAY_ATTACHMENT_MAX_TOTAL_MB), since a visitor never needs more unattached.
  // Unset: four clients' shares.
  RELAY_ATTACHMENT_PENDING_NETWORK_MB: v.optional(wholeNumber(1, 1024 * 1024)),
  RELAY_ATTACHMENT_PENDING_CLIENT_MB: v.optional(wholeNumber(1, 1024 * 1024)),
});

export const LimitsEnv = v.pipe(
  LimitsEntries,
  v.transform((env) => ({
    redisUrl: env.REDIS_URL ?? null,
    /** How the client's address is found (docs/relay.md#who-is-the-client). */
    clients: {
      trustedProxies: env.RELAY_TRUSTED_PROXIES,
      forwardedHeader: env.RELAY_FORWARDED_HEADER,
      logKey: env.RELAY_LOG_CLIENT_KEY ?? null,
      maxRequestsInFlight: env.RELAY_MAX_REQUESTS_PER_CLIENT,
      /** Sockets one address may hold open (only without trusted proxies). */
      maxConnections: env.RELAY_MAX_CONNECTIONS_PER_CLIENT,
    },
    rates: {
      requests: env.RELAY_RATE_LIMIT_REQUESTS,
      tickets: env.RELAY_RATE_LIMIT_TICKETS,
      ticketsPerOrigin: env.RELAY_RATE_LIMIT_TICKETS_PER_ORIGIN,
      uploads: env.RELAY_RATE_LIMIT_UPLOADS,
      uploadsPerOrigin: env.RELAY_RATE_LIMIT_UPLOADS_PER_ORIGIN,
      form: env.RELAY_RATE_LIMIT_FORM,
      formPerOrigin: env.RELAY_RATE_LIMIT_FORM_PER_ORIGIN,
      files: env.RELAY_RATE_LIMIT_FILES,
    },
    /** A request body that sends nothing for this long is dropped (and so is a head that takes longer). */
    bodyTimeoutMs: env.RELAY_BODY_TIMEOUT_MS,
    uploads: {
      dailyBytesPerClient: env.RELAY_ATTACHMENT_DAILY_MB * 1024 * 1024,
      /** Null: RELAY_ATTACHMENT_MAX_TOTAL_MB (config.ts fills it in). */
      pendingBytesPerClient: env.RELAY_ATTACHMENT_PENDING_CLIENT_MB === undefined ? null : env.RELAY_ATTACHMENT_PENDING_CLIENT_MB * 1024 * 1024,
      /** Null: four times the client's share. */
      pendingBytesPerNetwork: env.RELAY_ATTACHMENT_PENDING_NETWORK_MB === undefined ? null : env.RELAY_ATTACHMENT_PENDING_NETWORK_MB * 1024 * 1024,
    },
  })),
);
type ParsedLimits = v.InferOutput<typeof LimitsEnv>;
/** The limits as the relay uses them, every default filled in. */
export type LimitsConfig = Omit<ParsedLimits, 'uploads'> & {
  uploads: { dailyBytesPerClient: number; pendingBytesPerClient: number; pendingBytesPerNetwork: number };
};
