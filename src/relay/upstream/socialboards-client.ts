/** Calls to Socialboards: authorised, time-limited, each answer turned into a typed result. */
import * as v from 'valibot';
import { ENVELOPE_OK, Envelope } from '../../shared/create-ticket';
import type { CreateTicketBody } from '../../shared/create-ticket';
import { parseRetryAfter } from '../../shared/retry-after';
import type { SocialboardsConfig } from '../config';
import type { Logger } from '../log';
import { CategoryDefinition, CustomFieldDefinition, ListedTicket, readList } from './definitions';
import { describeError, failedBeforeSending, isTimeout } from './fetch-errors';
import { parseJson } from './parse-json';
import type { UpstreamAnswer, UpstreamFetch } from './upstream-fetch';
import { timeLimit } from './time-limit';
import { createTokenCache } from './token-cache';
import { UpstreamShed, shed } from './upstream-guard';
import { failure, unknownOutcome } from './upstream-result';
import type { UpstreamErrorCode, UpstreamFailure, UpstreamResult } from './upstream-result';
import { ok } from '../../shared/result';

export interface CreateTicketOptions {
  /**
   * Strings to cut out of Socialboards' `errorText` before it is logged: the custom field values
   * sent, which an error message may quote.
   */
  redact?: readonly string[];
  /** The submission's Idempotency-Key, named in log lines so an operator can reconcile. */
  idempotencyKey?: string;
}

export interface SocialboardsClient {
  /**
   * Creates a ticket and returns its id. Never retried here after a 5xx or timeout (see below).
   * `upstream_unconfirmed`: Socialboards accepted the ticket (a 2xx) but its answer has no id.
   */
  createTicket(body: CreateTicketBody, options?: CreateTicketOptions): Promise<UpstreamResult<number>>;
  /**
   * The ids of the tickets whose custom field `fieldId` holds `value`, lowest first (List Tickets
   * with its custom field filter, `POST {apiUrl}/tickets/list`, docs/socialboards-api.md §4).
   * Only tickets that carry the value themselves count, so a filter Socialboards ignored cannot
   * pass another ticket off as the one sought.
   */
  findTicketsByField(fieldId: number, value: string, options?: { idempotencyKey?: string }): Promise<UpstreamResult<number[]>>;
  /** The community's custom field definitions (`GET {apiUrl}{customFieldsPath}`). */
  listCustomFields(): Promise<UpstreamResult<CustomFieldDefinition[]>>;
  /** The community's categories (`GET {apiUrl}{categoriesPath}`). */
  listCategories(): Promise<UpstreamResult<CategoryDefinition[]>>;
}

export interface SocialboardsClientDeps {
  fetch: UpstreamFetch;
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

/** List Tickets' page: the documented default (§4). One submission key matches one ticket, a few if duplicated. */
const LOOKUP_PAGE = 25;

/**
 * Creates the client (`POST {apiUrl}/tickets` and `POST {apiUrl}/tickets/list`,
 * docs/socialboards-api.md §4; the two definition list paths are configurable because the docs do
 * not give them, §7). Every call goes through `authorized`: the only retry is after a 401, because
 * a refused token means the call was not processed, so a fresh token and one more try are safe. A
 * 5xx or a timeout of Create Ticket may have created the ticket: it is never retried here, and
 * comes back as `outcomeUnknown`, logged with the Idempotency-Key, for the relay to hold the key
 * unresolved.
 */
export function createSocialboardsClient(config: SocialboardsConfig, deps: SocialboardsClientDeps): SocialboardsClient {
  const { fetch, log } = deps;
  const tokens = createTokenCache({ ...config, ...deps });

  const send = async (token: string, call: Call): Promise<UpstreamResult<RawAnswer>> => {
    const limit = timeLimit(config.timeoutMs);
    try {
      return await sendWithin(token, call, limit.signal);
    } finally {
      limit.done();
    }
  };

  const sendWithin = async (token: string, call: Call, signal: AbortSignal): Promise<UpstreamResult<RawAnswer>> => {
    let response: UpstreamAnswer;
    try {
      response = await fetch(call.url, {
        method: call.method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
          ...(call.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        redirect: 'manual',
        // Covers reading the body too: the signal stays attached to the response stream.
        signal,
      });
    } catch (error) {
      if (error instanceof UpstreamShed) {
        log.warn(`socialboards ${call.what} not sent`, { ...call.context, reason: error.reason });
        return shed(error);
      }
      if (isTimeout(error)) {
        log.warn(`socialboards ${call.what} timed out`, { ...call.context, timeoutMs: config.timeoutMs });
        return unknownOutcome('upstream_timeout');
      }
      log.warn(`socialboards ${call.what} failed`, { ...call.context, reason: describeError(error) });
      return failedBeforeSending(error) ? failure('upstream_unavailable') : unknownOutcome('upstream_unavailable');
    }
    const { status } = response;
    const retryAfter = response.headers.get('Retry-After');
    try {
      return ok({ status, retryAfter, json: parseJson(await response.text()) });
    } catch (error) {
      // The status is in, so judge by it: a 2xx whose body broke off was still accepted.
      log.warn(`socialboards ${call.what} answer broke off`, { ...call.context, status, reason: describeError(error) });
      return ok({ status, retryAfter, json: undefined });
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

  // The list paths are guesses (docs/socialboards-api.md §7), so their log lines name the variable that sets them.
  const list = async <T>(
    what: string,
    path: string,
    setting: string,
    schema: v.GenericSchema<unknown, T>,
  ): Promise<UpstreamResult<T[]>> => {
    const where = { path, setting };
    const answer = await authorized({ what, method: 'GET', url: `${config.apiUrl}${path}`, context: where });
    if (!answer.ok) return answer;
    const refused = `socialboards refused the ${what} request`;
    const envelope = interpret(answer.value, { ...where, refused, unreadable: 'upstream_unavailable' }, log, []);
    if (!envelope.ok) return envelope;
    const read = readList(schema, envelope.value.data);
    if (read === undefined) return reject('upstream_unavailable', `socialboards ${what} is not a list`, where, log);
    for (const { index, keys } of read.skipped) {
      log.warn(`socialboards ${what} has an item the relay cannot read; skipped`, { path, index, keys });
    }
    return ok(read.items);
  };

  return {
    async createTicket(body, options = {}) {
      const context = { idempotencyKey: options.idempotencyKey };
      const answer = await authorized({ what: 'create ticket', method: 'POST', url: `${config.apiUrl}/tickets`, body, context });
      const result = answer.ok ? ticketIdOf(answer.value, context, log, options.redact ?? []) : answer;
      if (!result.ok && result.error.outcomeUnknown) {
        // Create Ticket takes no idempotency key (docs/socialboards-api.md §10): nothing Socialboards
        // said tells whether this call created the ticket. An operator reconciles by this line.
        log.warn('socialboards may have created the ticket; its answer does not say', { ...context, code: result.error.code });
      }
      return result;
    },
    async findTicketsByField(fieldId, value, options = {}) {
      const context = { idempotencyKey: options.idempotencyKey };
      // ASSUMED (§4, §5.3): the filter names the field `key`, where Create Ticket says `id`.
      const body = { customFields: [{ key: fieldId, value }], skip: 0, take: LOOKUP_PAGE };
      const answer = await authorized({ what: 'ticket lookup', method: 'POST', url: `${config.apiUrl}/tickets/list`, body, context });
      if (!answer.ok) return answer;
      const envelope = interpret(answer.value, { ...context, refused: 'socialboards refused the ticket lookup', unreadable: 'upstream_unavailable' }, log, []);
      if (!envelope.ok) return envelope;
      const read = readList(ListedTicket, envelope.value.data);
      if (read === undefined) return reject('upstream_unavailable', 'socialboards ticket lookup is not a list', context, log);
      for (const { index, keys } of read.skipped) {
        log.warn('socialboards ticket lookup has an item the relay cannot read; skipped', { ...context, index, keys });
      }
      const carrying = read.items.filter((ticket) => ticket.customFields.some((field) => field.id === fieldId && field.value === value));
      if (carrying.length < read.items.length) {
        log.warn('socialboards listed tickets without the submission key: is the custom field filter ignored? (docs/socialboards-api.md §4)', {
          ...context,
          listed: read.items.length,
          carrying: carrying.length,
        });
      }
      return ok(carrying.map((ticket) => ticket.id).sort((a, b) => a - b));
    },
    listCustomFields: () =>
      list('custom field list', config.customFieldsPath, 'SOCIALBOARDS_CUSTOM_FIELDS_PATH', CustomFieldDefinition),
    listCategories: () => list('category list', config.categoriesPath, 'SOCIALBOARDS_CATEGORIES_PATH', CategoryDefinition),
  };
}

/**
 * The ticket id in an accepted answer. A 2xx means Socialboards accepted the ticket, so an answer
 * without an id is `upstream_unconfirmed`, never a failure worth retrying: a retry would create
 * the ticket again. Its shape is logged, never its values.
 */
function ticketIdOf(
  answer: RawAnswer,
  where: Record<string, unknown>,
  log: Logger,
  redact: readonly string[],
): UpstreamResult<number> {
  const context = { ...where, refused: 'socialboards refused the ticket', unreadable: 'upstream_unconfirmed' } as const;
  const envelope = interpret(answer, context, log, redact);
  if (!envelope.ok) return envelope;
  const { data, errorCode, errorText } = envelope.value;
  if (Number.isSafeInteger(data)) return ok(data as number);
  const detail = { ...where, status: answer.status, errorCode, errorText: redactText(errorText ?? null, redact), dataShape: shapeOf(data) };
  return reject('upstream_unconfirmed', 'socialboards accepted the ticket but its answer has no ticket id', detail, log);
}

/**
 * Success ⇔ 2xx and an envelope with `errorCode === -1` (ASSUMED, docs/socialboards-api.md §3); then
 * the envelope, for the caller to check its `data`. A 2xx that is not an envelope fails with
 * `unreadable`; a 5xx leaves the outcome unknown.
 */
function interpret(
  { status, retryAfter, json }: RawAnswer,
  context: Record<string, unknown> & { refused: string; unreadable: UpstreamErrorCode },
  log: Logger,
  redact: readonly string[],
): UpstreamResult<Envelope> {
  const envelope = v.safeParse(Envelope, json);
  const accepted = status >= 200 && status < 300;
  if (accepted && envelope.success && envelope.output.errorCode === ENVELOPE_OK) return ok(envelope.output);
  // What a log line says of a failure (built only for one: every ticket's answer comes through here).
  const { refused, unreadable, ...where } = context;
  const detail = envelope.success
    ? { ...where, status, errorCode: envelope.output.errorCode, errorText: redactText(envelope.output.errorText ?? null, redact) }
    : { ...where, status, bodyShape: shapeOf(json) };
  if (accepted && envelope.success) return reject('upstream_rejected', refused, detail, log);
  if (accepted) return reject(unreadable, 'socialboards answer is not an envelope', detail, log);
  if (status === 429) {
    const result = reject('rate_limited', 'socialboards rate limited the relay', detail, log);
    // Passed on only when the widget can read it: both use the same parser.
    return retryAfter !== null && parseRetryAfter(retryAfter) !== undefined ? failure('rate_limited', retryAfter) : result;
  }
  if (status >= 500) {
    log.warn('socialboards failed', { ...detail, code: 'upstream_unavailable' });
    return unknownOutcome('upstream_unavailable');
  }
  return reject('upstream_rejected', refused, detail, log);
}

// Socialboards' errorText is logged here, server-side only; the widget gets our own message.
function reject(
  code: UpstreamFailure['code'],
  msg: string,
  detail: Record<string, unknown>,
  log: Logger,
): { ok: false; error: UpstreamFailure } {
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

/** What a value is, never what it says: `null`, `string`, `array`, `object {id, ticket}`; `not JSON` for a body that is not. */
function shapeOf(value: unknown): string {
  if (value === undefined) return 'not JSON';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return `object {${Object.keys(value).slice(0, 10).join(', ')}}`;
  return typeof value;
}
