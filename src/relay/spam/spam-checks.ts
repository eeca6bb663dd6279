/** The tickets route's spam defence as middleware: the cheap checks first, the challenge after the idempotency key. */
import type { MiddlewareHandler } from 'hono';
import { errorResponse } from '../error-response';
import type { Logger } from '../log';
import type { TicketsEnv } from '../routes/tickets-env';
import type { Challenge, ChallengeVerdict } from './challenge';
import { fail } from '../../shared/result';

export interface ScreenOptions {
  minFillMs: number;
  requireVerification: boolean;
  /** Whether a challenge is configured, so a request must carry one. */
  challengeRequired: boolean;
  log: Logger;
}

/**
 * Honeypot, fill time and the presence of a challenge: no I/O, so they run before the form check
 * and the idempotency store. One code for both spam signals: a bot is not told which it tripped.
 * Refusals are logged with the rule only, never what was sent.
 */
export const screenSubmission =
  ({ minFillMs, requireVerification, challengeRequired, log }: ScreenOptions): MiddlewareHandler<TicketsEnv> =>
  async (c, next) => {
    const { verification } = c.get('ticketRequest');
    const refuse = (code: 'spam_suspected' | 'challenge_required', rule: string) => {
      log.info('spam defence refused a ticket', { code, rule });
      return errorResponse(c, code);
    };
    if (verification?.trap) return refuse('spam_suspected', 'honeypot');
    const fillMs = verification?.fillMs;
    if (fillMs === undefined ? requireVerification : fillMs < minFillMs) return refuse('spam_suspected', 'fill_time');
    if (challengeRequired && !verification?.challenge) return refuse('challenge_required', 'no_challenge');
    await next();
  };

export interface VerifyOptions {
  challenge: Challenge;
  log: Logger;
}

/**
 * Verifies the challenge, which then belongs to this submission. It runs after the idempotency key
 * is reserved: a retry of a ticket already created is answered from the idempotency store, a
 * retry after a failure (Socialboards, a limit) presents the token its submission holds, and a
 * refusal releases the key, so the visitor solves a new challenge and sends again.
 */
export const verifyChallenge =
  ({ challenge, log }: VerifyOptions): MiddlewareHandler<TicketsEnv> =>
  async (c, next) => {
    let verdict: ChallengeVerdict;
    try {
      verdict = await challenge.verify(c.get('ticketRequest').verification?.challenge ?? '', c.get('idempotencyKey'));
    } catch (error) {
      // The store of used tokens (Redis) could not be reached: nothing is known about the token.
      verdict = fail({ reason: 'provider_unavailable', detail: error instanceof Error ? error.name : 'error' });
    }
    if (!verdict.ok) {
      const { reason, detail } = verdict.error;
      // An unreachable provider says nothing about the visitor: a 5xx, which the widget retries.
      const code = reason === 'provider_unavailable' ? 'upstream_unavailable' : 'challenge_failed';
      (code === 'challenge_failed' ? log.info : log.warn)('challenge refused', { code, provider: challenge.provider, reason, ...(detail ? { detail } : {}) });
      return errorResponse(c, code);
    }
    await next();
  };
