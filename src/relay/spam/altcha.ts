/**
 * Self-hosted proof of work (ALTCHA, altcha-lib 2.x): the relay signs a challenge, the browser
 * searches for the counter whose SHA-256 digest starts with the signed prefix, and the relay checks
 * the signature, the key, the expiry, the action and host it signed, and that the challenge is used once.
 */
import { randomBytes } from 'node:crypto';
import { createChallenge, randomInt, verifySolution } from 'altcha-lib';
import type { Challenge } from 'altcha-lib/types';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { AltchaConfig } from './spam-config';
import type { ChallengeVerdict } from './challenge';
import type { ReplayStore } from './replay-store';
import { fail, ok } from '../../shared/result';

/** What `GET /challenge` serves and the widget solves: the signed parameters. */
export type AltchaChallenge = Challenge;

/** What the widget sends back in `verification.challenge`, base64-encoded JSON (ALTCHA's v2 payload). */
interface AltchaPayload {
  challenge: Challenge;
  solution: { counter: number; derivedKey: string };
}

export interface AltchaOptions {
  config: AltchaConfig;
  hostnames: readonly string[];
  replays: ReplayStore;
  now: () => number;
}

/** Creates the issuer and the verifier, which share one HMAC key. */
export function createAltcha({ config, hostnames, replays, now }: AltchaOptions) {
  // A random key works for one process only: a challenge issued by one instance fails at another
  // (docs/spam.md), so several instances need RELAY_CHALLENGE_SECRET.
  const key = config.hmacKey ?? randomBytes(32).toString('base64url');
  // A second key for the derived-key signature, so the relay checks a solution with one HMAC instead of re-deriving it.
  const secrets = { hmacSignatureSecret: key, hmacKeySignatureSecret: `${key}:derived-key` };

  /** A fresh challenge, bound to the host of the page that asked (its Origin) and the configured action. */
  const issue = (host: string): Promise<AltchaChallenge> =>
    createChallenge({
      algorithm: 'SHA-256',
      cost: 1,
      // Deterministic mode: the answer is a counter from 0 to maxNumber, so the work has a known bound.
      counter: randomInt(config.maxNumber, 0),
      deriveKey,
      expiresAt: Math.floor(now() / 1000) + config.expirySeconds,
      data: { action: config.action, host },
      ...secrets,
    });

  const verify = async (token: string, owner: string): Promise<ChallengeVerdict> => {
    const payload = decode(token);
    if (payload === undefined) return fail({ reason: 'not_solved', detail: 'malformed' });
    const { challenge, solution } = payload;
    const result = await verifySolution({ challenge, solution, deriveKey, ...secrets });
    if (result.expired) return fail({ reason: 'expired' });
    if (!result.verified) return fail({ reason: 'not_solved', detail: result.invalidSignature ? 'signature' : 'solution' });
    // Signed by us, so these are the values we issued.
    const { data, expiresAt = 0 } = challenge.parameters;
    if (data?.action !== config.action) return fail({ reason: 'wrong_action' });
    if (typeof data.host !== 'string' || !hostnames.includes(data.host)) return fail({ reason: 'wrong_hostname' });
    if (!(await replays.claim(`altcha:${challenge.signature}`, owner, expiresAt - now() / 1000))) return fail({ reason: 'reused' });
    return ok(undefined);
  };

  return { issue, verify };
}

/** The payload, or undefined when it is not one: verifySolution trusts the shape it is given. */
function decode(token: string): AltchaPayload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  const record = (item: unknown): item is Record<string, unknown> => typeof item === 'object' && item !== null && !Array.isArray(item);
  if (!record(value) || !record(value.challenge) || !record(value.solution) || !record(value.challenge.parameters)) return undefined;
  const { parameters, signature } = value.challenge;
  const { counter, derivedKey } = value.solution;
  if (typeof signature !== 'string' || typeof derivedKey !== 'string' || typeof counter !== 'number') return undefined;
  if (typeof parameters.nonce !== 'string' || typeof parameters.salt !== 'string' || typeof parameters.keyPrefix !== 'string') return undefined;
  return value as unknown as AltchaPayload;
}
