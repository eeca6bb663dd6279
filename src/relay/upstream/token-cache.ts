/** Access tokens for Socialboards: minted from the refresh token, cached until shortly before expiry. */
import * as v from 'valibot';
import { TokenResponse } from '../../shared/create-ticket';
import type { Logger } from '../log';
import { describeError, isTimeout } from './fetch-errors';
import { parseJson } from './parse-json';
import { timeLimit } from './time-limit';
import type { UpstreamFetch } from './upstream-fetch';
import { UpstreamShed, shed } from './upstream-guard';
import { failure } from './upstream-result';
import type { UpstreamResult } from './upstream-result';
import { ok } from '../../shared/result';

export interface TokenCacheOptions {
  tokenUrl: string;
  clientId: string;
  refreshToken: string;
  timeoutMs: number;
  fetch: UpstreamFetch;
  now: () => number;
  log: Logger;
}

export interface TokenCache {
  /** A current access token; at most one refresh runs at a time, however many callers wait. */
  get(): Promise<UpstreamResult<string>>;
  /** Drops `token` after Socialboards refused it; a no-op if a newer token is already cached. */
  invalidate(token: string): void;
}

/** Renew this long before Socialboards says the token expires, so a token never dies mid-request. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * After a failed refresh, the next waits this long, doubling per failure up to the maximum: a
 * failing token endpoint sees one call per backoff, however many visitors arrive meanwhile (each
 * is answered at once), and the owner's refresh token is not hammered.
 */
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;

/**
 * Creates the cache (docs/socialboards-api.md §2.1: `POST /token`, form-encoded, refresh_token grant).
 * Tokens never leave this module except as the Authorization header the client builds.
 */
export function createTokenCache(options: TokenCacheOptions): TokenCache {
  const { tokenUrl, clientId, timeoutMs, fetch, now, log } = options;
  // §2.1 UNKNOWN: whether /token rotates refresh tokens. If an answer carries a different one we
  // use it from then on, in memory only: if rotation is real, a restart falls back to the
  // configured token, which may no longer work, hence the warning asking to update it.
  let refreshToken = options.refreshToken;
  let cached: { token: string; expiresAt: number } | undefined;
  let refreshing: Promise<UpstreamResult<string>> | undefined;
  let backoff = { failures: 0, until: 0 };

  const refresh = async (): Promise<UpstreamResult<string>> => {
    let answer: unknown;
    const limit = timeLimit(timeoutMs);
    try {
      const response = await fetch(tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }).toString(),
        redirect: 'manual',
        signal: limit.signal,
      });
      const text = await response.text();
      if (response.status < 200 || response.status > 299) {
        // The error format of /token is UNKNOWN (§2.1); only the status is logged, as the body
        // might echo the form we sent.
        log.warn('socialboards token request refused', { status: response.status });
        return failure('upstream_unavailable');
      }
      answer = parseJson(text);
    } catch (error) {
      if (error instanceof UpstreamShed) return shed(error);
      log.warn('socialboards token request failed', { reason: isTimeout(error) ? 'timeout' : describeError(error) });
      return failure('upstream_unavailable');
    } finally {
      limit.done();
    }
    const parsed = v.safeParse(TokenResponse, answer);
    if (!parsed.success) {
      log.warn('socialboards token answer malformed', { fields: parsed.issues.map((issue) => v.getDotPath(issue)) });
      return failure('upstream_unavailable');
    }
    const { access_token, expires_in, refresh_token } = parsed.output;
    if (refresh_token && refresh_token !== refreshToken) {
      refreshToken = refresh_token;
      log.warn('socialboards issued a new refresh token; using it until restart. Update SOCIALBOARDS_REFRESH_TOKEN if the old one stops working');
    }
    // Short-lived tokens (tests, or a future API change) keep at least half their life.
    const margin = Math.min(EXPIRY_MARGIN_MS, (expires_in * 1000) / 2);
    cached = { token: access_token, expiresAt: now() + expires_in * 1000 - margin };
    log.debug('socialboards access token refreshed', { expiresInSeconds: expires_in });
    return ok(access_token);
  };

  const refreshWithBackoff = async (): Promise<UpstreamResult<string>> => {
    const result = await refresh();
    if (result.ok) {
      backoff = { failures: 0, until: 0 };
    } else if (result.error.code !== 'upstream_busy') {
      // Busy is the relay's own queue, not a failed refresh: no call was made.
      const waitMs = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** backoff.failures);
      backoff = { failures: backoff.failures + 1, until: now() + waitMs };
    }
    return result;
  };

  return {
    get() {
      if (cached && now() < cached.expiresAt) return Promise.resolve(ok(cached.token));
      if (refreshing === undefined && now() < backoff.until) {
        return Promise.resolve(failure('upstream_unavailable', String(Math.ceil((backoff.until - now()) / 1000))));
      }
      refreshing ??= refreshWithBackoff().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined;
    },
  };
}
