import { describe, expect, it } from 'vitest';
import { ConfigError, parseRelayConfig } from '../../../src/relay/config';
import { BASE_ENV, testConfig } from '../helpers';
import { KEY, KEYS_ENV, OLD_KEY } from './tokens';

const problemsOf = (env: Record<string, string>, form?: unknown): { variable: string; reason: string }[] => {
  try {
    testConfig(env, form);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('the config was accepted');
};

describe('identity configuration', () => {
  it('verifies nothing, requires nothing and tags nothing by default', () => {
    expect(parseRelayConfig(BASE_ENV).identity).toEqual({
      keys: [],
      required: false,
      tag: null,
      audience: 'socialboards-ticket-relay',
      maxLifetimeSeconds: 3600,
      clockToleranceSeconds: 30,
    });
  });

  it('reads every variable', () => {
    const config = testConfig({
      RELAY_IDENTITY_KEYS: ` ${KEYS_ENV}, `,
      RELAY_IDENTITY_REQUIRED: 'TRUE',
      RELAY_IDENTITY_TAG: ' verified ',
      RELAY_IDENTITY_AUDIENCE: 'shop-relay',
      RELAY_IDENTITY_MAX_LIFETIME_SECONDS: '900',
      RELAY_IDENTITY_CLOCK_TOLERANCE_SECONDS: '5',
    });
    expect(config.identity).toEqual({
      keys: [KEY, OLD_KEY],
      required: true,
      tag: 'verified',
      audience: 'shop-relay',
      maxLifetimeSeconds: 900,
      clockToleranceSeconds: 5,
    });
  });

  const bad: [string, Record<string, string>, string, RegExp][] = [
    ['a secret under 32 characters', { RELAY_IDENTITY_KEYS: 'k1=short-secret' }, 'RELAY_IDENTITY_KEYS', /at least 32 characters/],
    ['only commas', { RELAY_IDENTITY_KEYS: ' , ' }, 'RELAY_IDENTITY_KEYS', /kid=secret pairs/],
    ['a pair without "="', { RELAY_IDENTITY_KEYS: KEY.secret }, 'RELAY_IDENTITY_KEYS', /kid=secret pairs/],
    ['a kid twice', { RELAY_IDENTITY_KEYS: `a=${KEY.secret},a=${OLD_KEY.secret}` }, 'RELAY_IDENTITY_KEYS', /each kid once/],
    ['a kid with spaces', { RELAY_IDENTITY_KEYS: `my key=${KEY.secret}` }, 'RELAY_IDENTITY_KEYS', /1 to 64 letters/],
    ['required identity without keys', { RELAY_IDENTITY_REQUIRED: 'true' }, 'RELAY_IDENTITY_REQUIRED', /needs RELAY_IDENTITY_KEYS/],
    ['a tag without keys', { RELAY_IDENTITY_TAG: 'verified' }, 'RELAY_IDENTITY_TAG', /needs RELAY_IDENTITY_KEYS/],
    ['a tag with a comma', { RELAY_IDENTITY_KEYS: KEYS_ENV, RELAY_IDENTITY_TAG: 'a,b' }, 'RELAY_IDENTITY_TAG', /without a comma/],
    ['a lifetime of a week', { RELAY_IDENTITY_MAX_LIFETIME_SECONDS: '604800' }, 'RELAY_IDENTITY_MAX_LIFETIME_SECONDS', /from 10 to 86400/],
    ['a tolerance of an hour', { RELAY_IDENTITY_CLOCK_TOLERANCE_SECONDS: '3600' }, 'RELAY_IDENTITY_CLOCK_TOLERANCE_SECONDS', /from 0 to 300/],
  ];

  it.each(bad)('refuses %s, naming the variable and never a secret', (_name, env, variable, reason) => {
    const problems = problemsOf(env);
    expect(problems).toEqual([{ variable, reason: expect.stringMatching(reason) }]);
    for (const secret of [KEY.secret, OLD_KEY.secret, 'short-secret']) expect(JSON.stringify(problems)).not.toContain(secret);
  });

  it('refuses a signed field when there are no keys to verify it with', () => {
    expect(problemsOf({}, { fields: [{ id: 42623 }, { id: 42626, signed: true }] })).toEqual([
      { variable: 'RELAY_FORM_CONFIG', reason: '/test/form.json: fields[1].signed needs RELAY_IDENTITY_KEYS to verify tokens with' },
    ]);
  });

  it('refuses a default value on a signed field', () => {
    expect(problemsOf({ RELAY_IDENTITY_KEYS: KEYS_ENV }, { fields: [{ id: 42626, signed: true, defaultValue: 'gold' }] })).toEqual([
      { variable: 'RELAY_FORM_CONFIG', reason: expect.stringMatching(/fields\[0\]\.defaultValue does not apply to a signed field/) },
    ]);
  });
});
