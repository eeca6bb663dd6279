/** How a call to Socialboards can end, as a value: the relay answers the widget from the code alone. */
import type { RelayErrorCode } from '../../shared/relay-contract';

export type UpstreamErrorCode = Extract<
  RelayErrorCode,
  'upstream_unavailable' | 'upstream_timeout' | 'upstream_rejected' | 'rate_limited'
>;

export interface UpstreamFailure {
  code: UpstreamErrorCode;
  /** Socialboards' Retry-After, passed on to the widget with a 429. */
  retryAfter?: string;
}

export type UpstreamResult<T> = { ok: true; value: T } | { ok: false; failure: UpstreamFailure };

export const failure = (code: UpstreamErrorCode, retryAfter?: string): { ok: false; failure: UpstreamFailure } => ({
  ok: false,
  failure: retryAfter === undefined ? { code } : { code, retryAfter },
});
