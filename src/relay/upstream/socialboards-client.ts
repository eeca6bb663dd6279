/** Calls to Socialboards: authorised, time-limited, each answer turned into a typed result. */
import * as v from 'valibot';
import { ENVELOPE_OK, Envelope } from '../../shared/create-ticket';
import type { CreateTicketBody } from '../../shared/create-ticket';
import { parseRetryAfter } from '../../shared/retry-after';
import type { SocialboardsConfig } from '../config';
import type { Logger } from '../log';
import { CategoryDefinition, CustomFieldDefinition, readList } from './definitions';
import { describeError, isTimeout } from './fetch-errors';
import { parseJson } from './parse-json';
import { createTokenCache } from './token-cache';
import { failure } from './upstream-result';
import type { UpstreamFailure, UpstreamResult } from './upstream-result';

export interface CreateTicketOptions {
  /**
   * Strings to cut out of Socialboards' `errorText` before it is logged: the custom field values
   * sent, which an error message may quote.
   */
  redact?: readonly string[];
}

export interface SocialboardsClient {
  /** Creates a ticket and returns its id. Never retried here after a 5xx or timeout (see below). */
  createTicket(body: CreateTicketBody, options?: CreateTicketOptions): Promise<UpstreamResult<number>>;
  /** The community's custom field definitions (`GET {apiUrl}{customFieldsPath}`). */
  listCustomFields(): Promise<UpstreamResult<CustomFieldDefinition[]>>;
  /** The community's categories (`GET {apiUrl}{categoriesPath}`). */
  listCategories(): Promise<UpstreamResult<CategoryDefinition[]>>;
}

export interface SocialboardsClientDeps {
  fetch: typeof fetch;
  now: () => number;
  log: Logger;
}

interface RawAnswer {
  status: number;
  retryAfter: string | null;
  json: unknown;
}

interface Call {
  /** For log lines: `create ticket`, `custom field list`, … */
  what: string;
  method: 'GET' | 'POST';
  url: string;
  body?: unknown;
  /** Added to the call's log lines. */
  context?: Record<string, unknown>;
}

/**
 * Creates the client (`POST {apiUrl}/tickets`, socialboards-api.md §4; the two list paths are
 * configurable because the docs do not give them, §7). Every call goes through `authorized`: the
 * only retry is after a 401, because a refused token means the call was not processed, so a fresh
 * token and one more try are safe. A 5xx or a timeout of Create Ticket may have created the
 * ticket, so those go back to the widget, which retries with the same Idempotency-Key.
 */
export function createSocialboardsClient(config: SocialboardsConfig, deps: SocialboardsClientDeps): SocialboardsClient {
  const { fetch, log } = deps;
  const tokens = createTokenCache({ ...config, ...deps });

  const send = async (token: string, call: Call): Promise<UpstreamResult<RawAnswer>> => {
    try {
      const response = await fetch(call.url, {
        method: call.method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
          ...(call.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        redirect: 'manual',
        // Covers reading the body too: the signal stays attached to the response stream.
        signal: AbortSignal.timeout(config.timeoutMs),
      });
      const text = await response.text();
      return { ok: true, value: { status: response.status, retryAfter: response.headers.get('Retry-After'), json: parseJson(text) } };
    } catch (error) {
      if (isTimeout(error)) {
        log.warn(`socialboards ${call.what} timed out`, { ...call.context, timeoutMs: config.timeoutMs });
        return failure('upstream_timeout');
      }
      log.warn(`socialboards ${call.what} failed`, { ...call.context, reason: describeError(error) });
      return failure('upstream_unavailable');
    }
  };

  const authorized = async (call: Call): Promise<UpstreamResult<RawAnswer>> => {
    const first = await tokens.get();
    if (!first.ok) return first;
    const answer = await send(first.value, call);
    if (!answer.ok || answer.value.status !== 401) return answer;
    tokens.invalidate(first.value);
    const second = await tokens.get();
    return second.ok ? send(second.value, call) : second;
  };

  // The list paths are guesses (socialboards-api.md §7), so their log lines name the variable that sets them.
  const list = async <T>(
    what: string,
    path: string,
    setting: string,
    schema: v.GenericSchema<unknown, T>,
  ): Promise<UpstreamResult<T[]>> => {
    const where = { path, setting };
    const answer = await authorized({ what, method: 'GET', url: `${config.apiUrl}${path}`, context: where });
    if (!answer.ok) return answer;
    const data = interpret(answer.value, { refused: `socialboards refused the ${what} request`, ...where }, log, []);
    if (!data.ok) return data;
    const read = readList(schema, data.value);
    if (read === undefined) return reject('upstream_unavailable', `socialboards ${what} is not a list`, where, log);
    for (const { index, keys } of read.skipped) {
      log.warn(`socialboards ${what} has an item the relay cannot read; skipped`, { path, index, keys });
    }
    return { ok: true, value: read.items };
  };

  return {
    async createTicket(body, options = {}) {
      const what = 'create ticket';
      const answer = await authorized({ what, method: 'POST', url: `${config.apiUrl}/tickets`, body });
      if (!answer.ok) return answer;
      const data = interpret(answer.value, { refused: 'socialboards refused the ticket' }, log, options.redact ?? []);
      if (!data.ok) return data;
      if (Number.isSafeInteger(data.value)) return { ok: true, value: data.value as number };
      return reject('upstream_unavailable', 'socialboards answer has no ticket id', { status: answer.value.status }, log);
    },
    listCustomFields: () =>
      list('custom field list', config.customFieldsPath, 'SOCIALBOARDS_CUSTOM_FIELDS_PATH', CustomFieldDefinition),
    listCategories: () => list('category list', config.categoriesPath, 'SOCIALBOARDS_CATEGORIES_PATH', CategoryDefinition),
  };
}

/**
 * Success ⇔ 2xx and an envelope with `errorCode === -1` (ASSUMED, socialboards-api.md §3); then
 * its `data`, for the caller to check.
 */
function interpret(
  { status, retryAfter, json }: RawAnswer,
  context: Record<string, unknown> & { refused: string },
  log: Logger,
  redact: readonly string[],
): UpstreamResult<unknown> {
  const { refused, ...where } = context;
  const envelope = v.safeParse(Envelope, json);
  const detail = envelope.success
    ? { ...where, status, errorCode: envelope.output.errorCode, errorText: redactText(envelope.output.errorText ?? null, redact) }
    : { ...where, status };
  if (status >= 200 && status < 300 && envelope.success) {
    if (envelope.output.errorCode === ENVELOPE_OK) return { ok: true, value: envelope.output.data };
    return reject('upstream_rejected', refused, detail, log);
  }
  if (status >= 200 && status < 300) return reject('upstream_unavailable', 'socialboards answer is not an envelope', detail, log);
  if (status === 429) {
    const result = reject('rate_limited', 'socialboards rate limited the relay', detail, log);
    // Passed on only when the widget can read it: both use the same parser.
    return retryAfter !== null && parseRetryAfter(retryAfter) !== undefined ? failure('rate_limited', retryAfter) : result;
  }
  if (status >= 500) return reject('upstream_unavailable', 'socialboards failed', detail, log);
  return reject('upstream_rejected', refused, detail, log);
}

// Socialboards' errorText is logged here, server-side only; the widget gets our own message.
function reject(
  code: UpstreamFailure['code'],
  msg: string,
  detail: Record<string, unknown>,
  log: Logger,
): { ok: false; failure: UpstreamFailure } {
  log.warn(msg, { ...detail, code });
  return failure(code);
}

/** Cuts each of `secrets` out of `text`, longest first so a value inside another goes too. */
function redactText(text: string | null, secrets: readonly string[]): string | null {
  if (text === null) return null;
  return [...secrets]
    .filter(Boolean)
    .sort((a, b) => b.length - a.length)
    .reduce((redacted, secret) => redacted.split(secret).join('[redacted]'), text);
}
