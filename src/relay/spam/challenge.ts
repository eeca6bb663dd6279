/** The configured challenge: what `GET /form` tells the widget, and how a token or solution is verified. */
import type { FormChallenge } from '../../shared/form-definition';
import { createAltcha } from './altcha';
import type { ReplayStore } from './replay-store';
import { createSiteverify } from './siteverify';
import type { ChallengeConfig } from './spam-config';
import type { Result } from '../../shared/result';

/** Why a challenge was refused: logged, never sent (a bot learns only `challenge_failed`). */
export type ChallengeRefusal = 'not_solved' | 'expired' | 'wrong_hostname' | 'wrong_action' | 'wrong_site_key' | 'reused' | 'provider_unavailable';

/** A refusal's reason, and what the log adds about it (never the token). */
export interface ChallengeFailure {
  reason: ChallengeRefusal;
  detail?: string;
}

/** The token holds for this submission, or why not. */
export type ChallengeVerdict = Result<void, ChallengeFailure>;

export interface Challenge {
  provider: ChallengeConfig['provider'];
  /** What the widget needs to show or solve it. */
  form: FormChallenge;
  /** Verifies `token` for the submission `owner` (its Idempotency-Key), which then holds it. */
  verify(token: string, owner: string): Promise<ChallengeVerdict>;
  /** ALTCHA only: issues a fresh challenge for a page on `host`. */
  issue?: (host: string) => Promise<unknown>;
}

/** Where the widget fetches ALTCHA challenges. */
export const CHALLENGE_PATH = '/challenge';

export interface ChallengeOptions {
  /** The relay's allowed origins: their hosts are the expected host names unless RELAY_CHALLENGE_HOSTNAMES names others. */
  allowedOrigins: readonly string[];
  replays: ReplayStore;
  now: () => number;
  /** For the provider's siteverify endpoint. */
  fetch?: typeof fetch;
}

/** Creates the challenge a config names. */
export function createChallenge(config: ChallengeConfig, { allowedOrigins, replays, now, fetch }: ChallengeOptions): Challenge {
  const hostnames = config.hostnames ?? allowedOrigins.map((origin) => new URL(origin).hostname);
  if (config.provider === 'altcha') {
    const { issue, verify } = createAltcha({ config, hostnames, replays, now });
    return { provider: config.provider, form: { provider: 'altcha', path: CHALLENGE_PATH }, verify, issue };
  }
  return {
    provider: config.provider,
    form: { provider: config.provider, siteKey: config.siteKey, action: config.action },
    verify: createSiteverify({ config, hostnames, replays, ...(fetch === undefined ? {} : { fetch }) }),
  };
}
