/** The Socialboards Create Ticket call: authorised, time-limited, its answer turned into a typed result. */
import * as v from 'valibot';
import { ENVELOPE_OK, Envelope } from '../../shared/create-ticket';
import type { CreateTicketBody } from '../../shared/create-ticket';
import type { SocialboardsConfig } from '../config';
import type { Logger } from '../log';
import { createTokenCache } from './token-cache';
import { parseJson } from './parse-json';
import { describeError, failure, isTimeout } from './upstream-result';
import type { UpstreamFailure, UpstreamResult } from './upstream-result';

export interface SocialboardsClient {
  /** Creates a ticket and returns its id. Never retried here after a 5xx or timeout (see below). */
  createTicket(body: CreateTicketBody): Promise<UpstreamResult<number>>;
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

/**
 * Creates the client (`POST {apiUrl}/tickets`, socialboards-api.md §4). The only retry is after a
 * 401: a refused token means the call was not processed, so a fresh token and one more try are
 * safe. A 5xx or a timeout may have created the ticket, so those go back to the widget, which
 * retries with the same Idempotency-Key.
 */
export function createSocialboardsClient(config: SocialboardsConfig, deps: SocialboardsClientDeps): SocialboardsClient {
  const { fetch, log } = deps;
  const tokens = createTokenCache({ ...config, ...deps });
  const url = `${config.apiUrl}/tickets`;

  const post = async (token: string, body: CreateTicketBody): Promise<UpstreamResult<RawAnswer>> => {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
        redirect: 'manual',
        // Covers reading the body too: the signal stays attached to the response stream.
        signal: AbortSignal.timeout(config.timeoutMs),
      });
      const text = await response.text();
      return { ok: true, value: { status: response.status, retryAfter: response.headers.get('Retry-After'), json: parseJson(text) } };
    } catch (error) {
      if (isTimeout(error)) {
        log.warn('socialboards create ticket timed out', { timeoutMs: config.timeoutMs });
        return failure('upstream_timeout');
      }
      log.warn('socialboards create ticket failed', { reason: describeError(error) });
      return failure('upstream_unavailable');
    }
  };

  return {
    async createTicket(body) {
      const first = await tokens.get();
      if (!first.ok) return first;
      let answer = await post(first.value, body);
      if (answer.ok && answer.value.status === 401) {
        tokens.invalidate(first.value);
        const second = await tokens.get();
        if (!second.ok) return second;
        answer = await post(second.value, body);
      }
      return answer.ok ? interpret(answer.value, log) : answer;
    },
  };
}

/** Success ⇔ 2xx, `errorCode === -1` and an integer `data` (ASSUMED, socialboards-api.md §3). */
function interpret({ status, retryAfter, json }: RawAnswer, log: Logger): UpstreamResult<number> {
  const envelope = v.safeParse(Envelope, json);
  const detail = envelope.success
    ? { status, errorCode: envelope.output.errorCode, errorText: envelope.output.errorText ?? null }
    : { status };
  if (status >= 200 && status < 300 && envelope.success) {
    const { data, errorCode } = envelope.output;
    if (errorCode === ENVELOPE_OK && Number.isSafeInteger(data)) return { ok: true, value: data as number };
    if (errorCode === ENVELOPE_OK) return reject('upstream_unavailable', 'socialboards answer has no ticket id', detail, log);
    return reject('upstream_rejected', 'socialboards refused the ticket', detail, log);
  }
  if (status >= 200 && status < 300) return reject('upstream_unavailable', 'socialboards answer is not an envelope', detail, log);
  if (status === 429) {
    const result = reject('rate_limited', 'socialboards rate limited the relay', detail, log);
    return retryAfter !== null && isRetryAfter(retryAfter) ? failure('rate_limited', retryAfter) : result;
  }
  if (status >= 500) return reject('upstream_unavailable', 'socialboards failed', detail, log);
  return reject('upstream_rejected', 'socialboards refused the ticket', detail, log);
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

/** Delay-seconds or an HTTP date (RFC 9110 §10.2.3); anything else is dropped rather than passed on. */
function isRetryAfter(value: string): boolean {
  return /^\d{1,9}$/.test(value) || (value.length < 64 && !Number.isNaN(Date.parse(value)));
}
