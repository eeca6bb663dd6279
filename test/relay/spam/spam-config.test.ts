import { describe, expect, it } from 'vitest';
import { ConfigError, parseRelayConfig } from '../../../src/relay/config';
import { BASE_ENV } from '../helpers';

const parse = (env: Record<string, string>) => parseRelayConfig({ ...BASE_ENV, ...env }).spam;

function problemsOf(env: Record<string, string>): Record<string, string> {
  try {
    parse(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return Object.fromEntries((error as ConfigError).problems.map((p) => [p.variable, p.reason]));
  }
  throw new Error('expected a ConfigError');
}

describe('spam configuration', () => {
  it('defaults to a 1500 ms fill time, API clients without verification allowed, and no challenge', () => {
    expect(parse({})).toEqual({ minFillMs: 1500, requireVerification: false, challenge: null });
  });

  it('reads the fill time and the verification requirement; 0 turns the time check off', () => {
    expect(parse({ RELAY_SPAM_MIN_FILL_MS: '0', RELAY_SPAM_REQUIRE_VERIFICATION: 'TRUE' })).toMatchObject({ minFillMs: 0, requireVerification: true });
  });

  it('configures Turnstile with the documented siteverify URL and the default action', () => {
    expect(parse({ RELAY_CHALLENGE: 'Turnstile', RELAY_CHALLENGE_SITE_KEY: 'site', RELAY_CHALLENGE_SECRET: 'secret' }).challenge).toEqual({
      provider: 'turnstile',
      siteKey: 'site',
      secret: 'secret',
      verifyUrl: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
      hostnames: null,
      action: 'ticket',
    });
  });

  it('configures hCaptcha with its siteverify URL, or the override, and listed host names', () => {
    const hcaptcha = { RELAY_CHALLENGE: 'hcaptcha', RELAY_CHALLENGE_SITE_KEY: 'site', RELAY_CHALLENGE_SECRET: 'secret' };
    expect(parse(hcaptcha).challenge).toMatchObject({ verifyUrl: 'https://api.hcaptcha.com/siteverify' });
    expect(
      parse({ ...hcaptcha, RELAY_CHALLENGE_VERIFY_URL: 'http://127.0.0.1:9999/siteverify', RELAY_CHALLENGE_HOSTNAMES: 'Shop.Example, www.shop.example' }).challenge,
    ).toMatchObject({ verifyUrl: 'http://127.0.0.1:9999/siteverify', hostnames: ['shop.example', 'www.shop.example'] });
  });

  it('configures ALTCHA with a random key per process unless RELAY_CHALLENGE_SECRET is set', () => {
    expect(parse({ RELAY_CHALLENGE: 'altcha' }).challenge).toEqual({
      provider: 'altcha',
      hmacKey: null,
      maxNumber: 100_000,
      expirySeconds: 1200,
      hostnames: null,
      action: 'ticket',
    });
    const key = 'k'.repeat(32);
    expect(parse({ RELAY_CHALLENGE: 'altcha', RELAY_CHALLENGE_SECRET: key, RELAY_ALTCHA_MAX_NUMBER: '5000' }).challenge).toMatchObject({ hmacKey: key, maxNumber: 5000 });
  });

  it('names each missing or invalid variable, never quoting a secret', () => {
    expect(problemsOf({ RELAY_CHALLENGE: 'turnstile' })).toEqual({
      RELAY_CHALLENGE_SITE_KEY: 'is required when RELAY_CHALLENGE=turnstile',
      RELAY_CHALLENGE_SECRET: 'is required when RELAY_CHALLENGE=turnstile',
    });
    expect(problemsOf({ RELAY_CHALLENGE: 'recaptcha' })).toEqual({ RELAY_CHALLENGE: 'must be one of none, turnstile, hcaptcha, altcha' });
    const short = 'short-secret-value';
    const problems = problemsOf({ RELAY_CHALLENGE: 'altcha', RELAY_CHALLENGE_SECRET: short });
    expect(problems).toEqual({ RELAY_CHALLENGE_SECRET: 'must be at least 32 characters (the HMAC key that signs ALTCHA challenges)' });
    expect(JSON.stringify(problems)).not.toContain(short);
    expect(problemsOf({ RELAY_SPAM_MIN_FILL_MS: '-1', RELAY_CHALLENGE_HOSTNAMES: 'https://shop.example', RELAY_CHALLENGE_ACTION: 'has space' })).toEqual({
      RELAY_SPAM_MIN_FILL_MS: 'must be an integer from 0 to 600000',
      RELAY_CHALLENGE_HOSTNAMES: 'must be a comma-separated list of host names like shop.example (no scheme, port or path)',
      RELAY_CHALLENGE_ACTION: 'must be 1 to 32 letters, digits, - or _',
    });
    expect(problemsOf({ RELAY_CHALLENGE_VERIFY_URL: 'ftp://x' })).toEqual({ RELAY_CHALLENGE_VERIFY_URL: 'must be an http(s) URL' });
  });
});
