/** How a call to Socialboards can end, as a value: the relay answers the widget from the code alone. */
import type { RelayErrorCode } from '../../shared/relay-contract';
import { fail } from '../../shared/result';
import type { Result } from '../../shared/result';

export type UpstreamErrorCode = Extract<
  RelayErrorCode,
  'upstream_unavailable' | 'upstream_timeout' | 'upstream_rejected' | 'upstream_unconfirmed' | 'upstream_busy' | 'rate_limited'
>;

export interface UpstreamFailure {
  code: UpstreamErrorCode;
  /** Seconds (or an HTTP date) to wait: Socialboards' own with a 429, the relay's when it shed the call. */
  retryAfter?: string;
  /**
   * Set when the request was sent and Socialboards may have acted on it without saying so: a
   * timeout, a connection lost after sending, a 5xx. Absent, it certainly did not act: the
   * request never left (no token, connection refused) or was refused (a 4xx, an error envelope).
   */
  outcomeUnknown?: true;
}

export type UpstreamResult<T> = Result<T, UpstreamFailure>;

/** A failure after which Socialboards certainly did not act on the request. */
export const failure = (code: UpstreamErrorCode, retryAfter?: string) => fail<UpstreamFailure>(retryAfter === undefined ? { code } : { code, retryAfter });

/** A failure after which Socialboards may have acted on the request (see `outcomeUnknown`). */
export const unknownOutcome = (code: UpstreamErrorCode) => fail<UpstreamFailure>({ code, outcomeUnknown: true });
