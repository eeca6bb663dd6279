/** Turnstile and hCaptcha tokens, checked at the provider's siteverify endpoint: success, host name, action or site key, and single use. */
import type { SiteverifyConfig } from './spam-config';
import type { ChallengeVerdict } from './challenge';
import type { ReplayStore } from './replay-store';
import { fail, ok } from '../../shared/result';
import { timeLimit } from '../upstream/time-limit';

/**
 * How long a token lives at the provider, so the replay store keeps it no longer than needed.
 * Turnstile: 300 s (https://developers.cloudflare.com/turnstile/get-started/server-side-validation/);
 * hCaptcha: 120 s (https://docs.hcaptcha.com/#verify-the-user-response-server-side).
 */
const TOKEN_LIFETIME_SECONDS = { turnstile: 300, hcaptcha: 120 } as const;

/** The provider answers within a second or two; a visitor should not wait for a hung connection. */
const VERIFY_TIMEOUT_MS = 5_000;

/** The documented fields of a siteverify answer that the relay reads. */
interface SiteverifyAnswer {
  success?: unknown;
  hostname?: unknown;
  action?: unknown;
  sitekey?: unknown;
  'error-codes'?: unknown;
}

export interface SiteverifyOptions {
  config: SiteverifyConfig;
  hostnames: readonly string[];
  replays: ReplayStore;
  fetch?: typeof fetch;
}

/** Creates the verifier for one provider. */
export function createSiteverify({ config, hostnames, replays, fetch: fetchImpl = globalThis.fetch }: SiteverifyOptions) {
  return async (token: string, owner: string): Promise<ChallengeVerdict> => {
    // A retry of the submission that used it: verified then, and the provider refuses a second look.
    if (await replays.heldBy(token, owner)) return ok(undefined);
    const form = new URLSearchParams({ secret: config.secret, response: token });
    // hCaptcha then also refuses a token solved for another site key of the same account.
    if (config.provider === 'hcaptcha') form.set('sitekey', config.siteKey);
    let answer: SiteverifyAnswer;
    const limit = timeLimit(VERIFY_TIMEOUT_MS);
    try {
      const response = await fetchImpl(config.verifyUrl, { method: 'POST', body: form, signal: limit.signal });
      if (!response.ok) return fail({ reason: 'provider_unavailable', detail: `status ${response.status}` });
      answer = (await response.json()) as SiteverifyAnswer;
    } catch (error) {
      return fail({ reason: 'provider_unavailable', detail: error instanceof Error ? error.name : 'error' });
    } finally {
      limit.done();
    }
    if (answer.success !== true) {
      const codes = Array.isArray(answer['error-codes']) ? answer['error-codes'].filter((code) => typeof code === 'string') : [];
      return fail({ reason: 'not_solved', detail: codes.join(',') });
    }
    if (typeof answer.hostname !== 'string' || !hostnames.includes(answer.hostname.toLowerCase())) return fail({ reason: 'wrong_hostname' });
    if (config.provider === 'turnstile' && answer.action !== config.action) return fail({ reason: 'wrong_action' });
    if (answer.sitekey !== undefined && answer.sitekey !== config.siteKey) return fail({ reason: 'wrong_site_key' });
    // The providers refuse a second use themselves; this holds even against one that does not (or a stand-in).
    if (!(await replays.claim(token, owner, TOKEN_LIFETIME_SECONDS[config.provider]))) return fail({ reason: 'reused' });
    return ok(undefined);
  };
}
