/** Relay configuration: the environment and the form config file, parsed once at start-up into a typed object. */
import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { AttachmentsEnv } from './attachments/attachments-config';
import { commaList, flag, integer } from './env-values';
import { LimitsEnv } from './limits/limits-config';
import type { LimitsConfig } from './limits/limits-config';
import type { AttachmentsConfig } from './attachments/attachments-config';
import { IdentityEnv } from './identity/identity-config';
import type { IdentityConfig } from './identity/identity-config';
import { NO_FORM_CONFIG, parseFormConfig, withRequireEmail } from './form/form-config';
import { DEFAULT_SEMI_SPACE_MB, MAX_SEMI_SPACE_MB } from './semi-space';
import type { FormConfig } from './form/form-config';
import type { LogLevel } from './log';
import type { PinnedTicketFields } from './map-ticket';
import { SpamEnv } from './spam/spam-config';
import type { SpamConfig } from './spam/spam-config';
import { fail, ok } from '../shared/result';

/** Thrown by `parseRelayConfig`; its message names every bad variable and why, never a value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly { variable: string; reason: string }[]) {
    super(
      `Invalid relay configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.reason}`).join('\n')}`,
    );
  }
}

// Every schema below carries its own message: valibot's defaults quote the received value,
// and some of these values are secrets.
const REQUIRED = 'is required';

const required = () => v.pipe(v.string(REQUIRED), v.trim(), v.nonEmpty(REQUIRED));

const httpUrl = (message: string) =>
  v.pipe(
    v.string(message),
    v.trim(),
    v.check((value) => /^https?:$/.test(parseUrl(value)?.protocol ?? ''), message),
    // Node's fetch quotes the whole URL in its errors, and the relay logs those.
    v.check((value) => !hasCredentials(parseUrl(value)), 'must not contain credentials'),
    // `${API_URL}/tickets` must not become `…//tickets`.
    v.transform((value) => value.replace(/\/+$/, '')),
  );

// A path below SOCIALBOARDS_API_URL, query allowed: `/customfields`, `/customfields/list?take=100`.
const apiPath = (fallback: string) =>
  v.optional(v.pipe(v.string(), v.trim(), v.regex(/^\/\S*$/, 'must be a path starting with / (no spaces)')), fallback);

const ORIGIN_SHAPE = /^https?:\/\/[^/?#@\s]+$/;
const ORIGINS_MESSAGE =
  'must be a comma-separated list of exact origins like https://shop.example (scheme, host, optional port; no path, no *)';


const GUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

const RelayEnv = v.pipe(
  v.object({
    SOCIALBOARDS_CLIENT_ID: required(),
    SOCIALBOARDS_REFRESH_TOKEN: required(),
    // ASSUMED base URL (docs/socialboards-api.md §1: the resource base is UNKNOWN; the token host is KNOWN).
    SOCIALBOARDS_API_URL: v.optional(httpUrl('must be an http(s) URL'), 'https://api.socialboards.com'),
    SOCIALBOARDS_TOKEN_URL: v.optional(httpUrl('must be an http(s) URL')),
    // OUR GUESSES: the pages of "Get Full Community Custom Field List" and "... Category List"
    // could not be read (docs/socialboards-api.md §7), hence variables rather than constants.
    SOCIALBOARDS_CUSTOM_FIELDS_PATH: apiPath('/customfields'),
    SOCIALBOARDS_CATEGORIES_PATH: apiPath('/categories'),
    RELAY_ALLOWED_ORIGINS: v.pipe(
      v.string(),
      v.transform(commaList),
      v.minLength(1, ORIGINS_MESSAGE),
      v.check((origins) => origins.every(isOrigin), ORIGINS_MESSAGE),
      // Browsers send the serialised origin (lower-case host, no default port); compare with that.
      v.transform((origins) => [...new Set(origins.map((origin) => new URL(origin).origin))]),
    ),
    RELAY_SOURCE_NAME: v.optional(v.pipe(v.string(), v.trim()), 'Website ticket widget'),
    RELAY_CATEGORY_ID: v.optional(
      v.pipe(
        v.string(),
        v.trim(),
        v.regex(/^\d{1,15}$/, 'must be a positive integer'),
        v.transform(Number),
        v.minValue(1, 'must be a positive integer'),
      ),
    ),
    RELAY_ASSIGNEE_ID: v.optional(
      v.pipe(v.string(), v.trim(), v.regex(GUID, 'must be a GUID like 43b8adc7-755d-2be3-afb1-b6a462631977')),
    ),
    RELAY_TAGS: v.optional(v.pipe(v.string(), v.transform(commaList)), ''),
    // The shortcut for the form config's builtIn.email.required (form-config.ts: withRequireEmail).
    RELAY_REQUIRE_EMAIL: flag('true'),
    RELAY_HOST: v.optional(v.pipe(v.string(), v.trim()), '127.0.0.1'),
    RELAY_PORT: integer(0, 65_535, 8787),
    RELAY_UPSTREAM_TIMEOUT_MS: integer(1, 600_000, 15_000),
    RELAY_UPSTREAM_CONCURRENCY: integer(1, 1000, 16),
    RELAY_UPSTREAM_QUEUE_MS: integer(0, 60_000, 2000),
    RELAY_BREAKER_FAILURES: integer(1, 1000, 5),
    // Tickets one process works on at once, and how long the next waits (middleware/concurrency-limit.ts).
    RELAY_TICKET_CONCURRENCY: integer(1, 100_000, 200),
    RELAY_TICKET_QUEUE_MS: integer(0, 20_000, 10_000),
    RELAY_BREAKER_OPEN_SECONDS: integer(1, 3600, 10),
    RELAY_MAX_BODY_BYTES: integer(1, 100 * 1024 * 1024, 65_536),
    RELAY_IDEMPOTENCY_TTL_SECONDS: integer(1, 30 * 24 * 3600, 86_400),
    RELAY_IDEMPOTENCY_LEASE_SECONDS: integer(1, 300, 10),
    // The embedded store's file, relative to the working directory; ignored with REDIS_URL.
    RELAY_STORE_PATH: v.optional(v.pipe(v.string(), v.trim()), './data/relay.db'),
    // A custom field the relay fills with each ticket's Idempotency-Key, to find the ticket again.
    RELAY_SUBMISSION_KEY_FIELD: v.optional(
      v.pipe(
        v.string(),
        v.trim(),
        v.regex(/^\d{1,15}$/, 'must be the id of a custom field (a positive integer)'),
        v.transform(Number),
        v.minValue(1, 'must be the id of a custom field (a positive integer)'),
      ),
    ),
    // The outbox (docs/relay.md#the-outbox): tickets Socialboards could not take now are stored and delivered later.
    RELAY_OUTBOX: flag('true'),
    RELAY_OUTBOX_MAX_ATTEMPTS: integer(1, 1000, 20),
    RELAY_OUTBOX_BACKOFF_BASE_MS: integer(10, 3_600_000, 5000),
    RELAY_OUTBOX_BACKOFF_MAX_MS: integer(10, 86_400_000, 600_000),
    RELAY_OUTBOX_POLL_MS: integer(10, 60_000, 1000),
    RELAY_OUTBOX_CONCURRENCY: integer(1, 100, 2),
    RELAY_FORM_CONFIG: v.optional(v.pipe(v.string(), v.trim())),
    RELAY_FORM_CACHE_TTL_SECONDS: integer(1, 24 * 3600, 300),
    // Bytes of uploads no ticket has taken yet, per relay process (docs/attachments.md).
    RELAY_ATTACHMENT_PENDING_MB: integer(1, 1024 * 1024, 1024),
    RELAY_LOG: v.optional(
      v.pipe(v.string(), v.trim(), v.picklist(['info', 'silent', 'debug'], 'must be one of info, silent, debug')),
      'info',
    ),
    // The command's V8 young generation: read by its launcher (semi-space.ts), checked here with the rest.
    RELAY_SEMI_SPACE_MB: integer(0, MAX_SEMI_SPACE_MB, DEFAULT_SEMI_SPACE_MB),
  }, REQUIRED),
  v.transform((env) => ({
    /** Everything the upstream client needs; the only place credentials live. */
    socialboards: {
      apiUrl: env.SOCIALBOARDS_API_URL,
      tokenUrl: env.SOCIALBOARDS_TOKEN_URL ?? `${env.SOCIALBOARDS_API_URL}/token`,
      clientId: env.SOCIALBOARDS_CLIENT_ID,
      refreshToken: env.SOCIALBOARDS_REFRESH_TOKEN,
      timeoutMs: env.RELAY_UPSTREAM_TIMEOUT_MS,
      customFieldsPath: env.SOCIALBOARDS_CUSTOM_FIELDS_PATH,
      categoriesPath: env.SOCIALBOARDS_CATEGORIES_PATH,
    },
    /** How hard the relay may press Socialboards (upstream-guard.ts). */
    upstreamGuard: {
      concurrency: env.RELAY_UPSTREAM_CONCURRENCY,
      queueMs: env.RELAY_UPSTREAM_QUEUE_MS,
      breakerFailures: env.RELAY_BREAKER_FAILURES,
      breakerOpenSeconds: env.RELAY_BREAKER_OPEN_SECONDS,
    },
    /** Tickets one relay process works on at once; the rest wait their turn for `queueMs` (concurrency-limit.ts). */
    ticketWork: { concurrency: env.RELAY_TICKET_CONCURRENCY, queueMs: env.RELAY_TICKET_QUEUE_MS },
    allowedOrigins: env.RELAY_ALLOWED_ORIGINS,
    pinned: {
      sourceName: env.RELAY_SOURCE_NAME,
      categoryId: env.RELAY_CATEGORY_ID ?? null,
      assigneeId: env.RELAY_ASSIGNEE_ID ?? null,
      tags: env.RELAY_TAGS,
    } satisfies PinnedTicketFields,
    host: env.RELAY_HOST,
    port: env.RELAY_PORT,
    maxBodyBytes: env.RELAY_MAX_BODY_BYTES,
    /** Where Idempotency-Keys live and how an unresolved one is checked (docs/relay.md#idempotency). */
    idempotency: {
      ttlSeconds: env.RELAY_IDEMPOTENCY_TTL_SECONDS,
      leaseSeconds: env.RELAY_IDEMPOTENCY_LEASE_SECONDS,
      storePath: env.RELAY_STORE_PATH,
      submissionKeyField: env.RELAY_SUBMISSION_KEY_FIELD ?? null,
    },
    /** The outbox: whether there is one, and how its worker retries (outbox/outbox-store.ts). */
    outbox: {
      enabled: env.RELAY_OUTBOX,
      backoff: {
        maxAttempts: env.RELAY_OUTBOX_MAX_ATTEMPTS,
        baseMs: env.RELAY_OUTBOX_BACKOFF_BASE_MS,
        maxMs: Math.max(env.RELAY_OUTBOX_BACKOFF_BASE_MS, env.RELAY_OUTBOX_BACKOFF_MAX_MS),
        // Socialboards may still be creating a ticket this long after the relay gave up on it.
        lookupDelayMs: env.RELAY_UPSTREAM_TIMEOUT_MS,
      },
      pollMs: env.RELAY_OUTBOX_POLL_MS,
      concurrency: env.RELAY_OUTBOX_CONCURRENCY,
    },
    logLevel: env.RELAY_LOG satisfies LogLevel,
    form: { file: env.RELAY_FORM_CONFIG === undefined || env.RELAY_FORM_CONFIG.startsWith('{') ? null : env.RELAY_FORM_CONFIG, cacheTtlSeconds: env.RELAY_FORM_CACHE_TTL_SECONDS, requireEmail: env.RELAY_REQUIRE_EMAIL },
    /** RELAY_ATTACHMENT_PENDING_MB in bytes. */
    maxPendingUploadBytes: env.RELAY_ATTACHMENT_PENDING_MB * 1024 * 1024,
  })),
);

type EnvConfig = v.InferOutput<typeof RelayEnv>;

/** Every schema `parseRelayConfig` reads the environment with: the one place the variables are defined. */
export const RELAY_ENV_SCHEMAS = [RelayEnv, AttachmentsEnv, LimitsEnv, IdentityEnv, SpamEnv] as const;

/** The relay's typed configuration. */
export type RelayConfig = Omit<EnvConfig, 'form'> & {
  form: Omit<EnvConfig['form'], 'requireEmail'> & {
    /** The operator's form config (docs/form-config.md), RELAY_REQUIRE_EMAIL folded in; none without RELAY_FORM_CONFIG. */
    config: FormConfig;
  };
  /** Uploads: storage, limits, types, lifetimes (docs/attachments.md). */
  attachments: AttachmentsConfig;
  /** Abuse limits: clients, rates, quotas, stalled bodies, Redis (docs/relay.md#abuse-limits). */
  limits: LimitsConfig;
  /** Signed identity tokens: keys, requirement, tag, lifetimes (docs/identity.md). */
  identity: IdentityConfig;
  /** Honeypot, fill time and challenge (docs/spam.md). */
  spam: SpamConfig;
};
/** Where and how to reach Socialboards, with the credentials. */
export type SocialboardsConfig = RelayConfig['socialboards'];

export interface ParseOptions {
  /** Reads the form config file; tests pass the text directly. */
  readFile?: (path: string) => string;
}

/**
 * Parses the relay's environment variables (docs/relay.md lists them) and the form config file
 * RELAY_FORM_CONFIG names (or the JSON it holds, when it starts with `{`). Blank values count as unset. Throws a `ConfigError` naming every
 * missing or invalid variable, and every problem in the file with its key path, at once.
 */
export function parseRelayConfig(env: Record<string, string | undefined>, options: ParseOptions = {}): RelayConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => (entry[1] ?? '').trim() !== ''),
  );
  const result = v.safeParse(RelayEnv, present);
  const attachments = v.safeParse(AttachmentsEnv, present);
  const limits = v.safeParse(LimitsEnv, present);
  const identity = v.safeParse(IdentityEnv, present);
  const spam = v.safeParse(SpamEnv, present);
  const problems: { variable: string; reason: string }[] = [];
  const seen = new Set<string>();
  const issues: readonly v.BaseIssue<unknown>[] = [
    ...(result.issues ?? []),
    ...(attachments.issues ?? []),
    ...(limits.issues ?? []),
    ...(identity.issues ?? []),
    ...(spam.issues ?? []),
  ];
  for (const issue of issues) {
    const variable = String(issue.path?.[0]?.key ?? '(environment)');
    if (!seen.has(variable)) problems.push({ variable, reason: issue.message });
    seen.add(variable);
  }
  const setting = present.RELAY_FORM_CONFIG?.trim();
  // A value that starts with `{` is the JSON itself (a Worker has no file to name); problems name it so, not by its text.
  const inline = setting?.startsWith('{') === true;
  const file = inline ? '(the JSON in RELAY_FORM_CONFIG)' : setting;
  const form = setting === undefined ? ok(NO_FORM_CONFIG) : inline ? parseFormConfig(setting) : readFormConfig(setting, options.readFile ?? readText);
  if (!form.ok) problems.push(...form.error.map((reason) => ({ variable: 'RELAY_FORM_CONFIG', reason: `${file}: ${reason}` })));
  const asked = form.ok && result.success
    ? withRequireEmail(form.value, { value: result.output.form.requireEmail, set: present.RELAY_REQUIRE_EMAIL !== undefined })
    : undefined;
  if (asked?.ok === false) problems.push({ variable: 'RELAY_REQUIRE_EMAIL', reason: asked.error });
  const keyField = result.success ? result.output.idempotency.submissionKeyField : null;
  if (form.ok && keyField !== null && form.value.fields.some((field) => field.id === keyField)) {
    // Visitors must never set it: the relay's lookup would find whatever ticket they pointed it at.
    problems.push({ variable: 'RELAY_SUBMISSION_KEY_FIELD', reason: `the relay fills custom field ${keyField} itself; remove it from the fields of ${file}` });
  }
  if (form.ok && identity.success && identity.output.keys.length === 0) {
    // A signed field could never be filled: every ticket needing it would be refused.
    const signed = form.value.fields.findIndex((field) => field.signed === true);
    if (signed >= 0) problems.push({ variable: 'RELAY_FORM_CONFIG', reason: `${file}: fields[${signed}].signed needs RELAY_IDENTITY_KEYS to verify tokens with` });
  }
  if (result.success && attachments.success && result.output.maxPendingUploadBytes < attachments.output.policy.maxFileBytes) {
    // Every larger file would be refused as if the relay were busy.
    problems.push({ variable: 'RELAY_ATTACHMENT_PENDING_MB', reason: 'must be at least RELAY_ATTACHMENT_MAX_FILE_MB' });
  }
  const uploads = limits.success && attachments.success ? resolveUploadShares(limits.output.uploads, attachments.output.policy.maxTotalBytes) : undefined;
  if (uploads !== undefined && attachments.success) {
    const { maxFileBytes } = attachments.output.policy;
    // Otherwise every larger file would be refused as if the visitor had used up their share.
    const { pendingBytesPerClient, pendingBytesPerNetwork, dailyBytesPerClient } = uploads;
    if (pendingBytesPerNetwork < pendingBytesPerClient) {
      problems.push({ variable: 'RELAY_ATTACHMENT_PENDING_NETWORK_MB', reason: 'must be at least a client\'s share (RELAY_ATTACHMENT_PENDING_CLIENT_MB)' });
    }
    if (pendingBytesPerClient < maxFileBytes) {
      problems.push({ variable: 'RELAY_ATTACHMENT_PENDING_CLIENT_MB', reason: 'must be at least RELAY_ATTACHMENT_MAX_FILE_MB' });
    }
    if (dailyBytesPerClient < maxFileBytes) {
      problems.push({ variable: 'RELAY_ATTACHMENT_DAILY_MB', reason: 'must be at least RELAY_ATTACHMENT_MAX_FILE_MB' });
    }
  }
  if (!result.success || !attachments.success || !limits.success || uploads === undefined || !identity.success || !spam.success || !asked?.ok || problems.length > 0) {
    throw new ConfigError(problems);
  }
  const { requireEmail: _folded, ...formSettings } = result.output.form;
  return {
    ...result.output,
    form: { ...formSettings, config: asked.value },
    attachments: attachments.output,
    limits: { ...limits.output, uploads },
    identity: identity.output,
    spam: spam.output,
  };
}

/** A client's share of unattached uploads defaults to the per-ticket total; a network's to four clients'. */
function resolveUploadShares(
  uploads: { dailyBytesPerClient: number; pendingBytesPerClient: number | null; pendingBytesPerNetwork: number | null },
  maxTotalBytes: number,
): LimitsConfig['uploads'] {
  const pendingBytesPerClient = uploads.pendingBytesPerClient ?? maxTotalBytes;
  return { ...uploads, pendingBytesPerClient, pendingBytesPerNetwork: uploads.pendingBytesPerNetwork ?? 4 * pendingBytesPerClient };
}

function readFormConfig(
  file: string,
  readFile: (path: string) => string,
): ReturnType<typeof parseFormConfig> {
  let text: string;
  try {
    text = readFile(file);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return fail([`cannot be read (${typeof code === 'string' ? code : String(error)})`]);
  }
  return parseFormConfig(text);
}

function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function hasCredentials(url: URL | undefined): boolean {
  return url !== undefined && (url.username !== '' || url.password !== '');
}

function isOrigin(value: string): boolean {
  const url = parseUrl(value);
  return ORIGIN_SHAPE.test(value) && url !== undefined && !hasCredentials(url);
}
