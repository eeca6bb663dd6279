import { SignJWT, generateKeyPair, exportSPKI } from 'jose';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_FIELDS } from '../../../src/shared/built-in-fields';
import { fieldSchema } from '../../../src/shared/field-values';
import { signIdentity } from '../../../src/relay/identity/sign-identity';
import { createIdentityVerifier } from '../../../src/relay/identity/verify-identity';
import type { IdentityFailureReason } from '../../../src/relay/identity/verify-identity';
import { HEADER, IDENTITY_CONFIG, KEY, NOW, NOW_MS, OLD_KEY, claims, forge } from './tokens';

const verify = createIdentityVerifier(IDENTITY_CONFIG, () => NOW_MS);

async function refusal(token: string): Promise<{ reason: IdentityFailureReason; message: string }> {
  const result = await verify(token);
  if (result.ok) throw new Error('the token was accepted');
  // What integrators read names the check, never the token or a secret.
  expect(result.error.message).not.toContain(token);
  for (const key of IDENTITY_CONFIG.keys) expect(result.error.message).not.toContain(key.secret);
  return result.error;
}

describe('verifying an identity token', () => {
  it('accepts a token the helper signed, with its name, email and fields', async () => {
    const token = await signIdentity({ key: KEY, name: 'Ann Verified', email: 'ann@verified.example', fields: { 42626: 'gold' }, now: () => NOW_MS });
    const result = await verify(token);
    expect(result).toEqual({
      ok: true,
      value: {
        kid: KEY.id,
        claims: expect.objectContaining({ name: 'Ann Verified', email: 'ann@verified.example', fields: { 42626: 'gold' } }),
      },
    });
  });

  it('verifies with the key the kid names, so an old key keeps working during rotation', async () => {
    const token = await signIdentity({ key: OLD_KEY, email: 'ann@verified.example', now: () => NOW_MS });
    expect(await verify(token)).toMatchObject({ ok: true, value: { kid: OLD_KEY.id } });
  });

  it('accepts a token that expired within the clock tolerance, and refuses one past it', async () => {
    expect((await verify(forge(HEADER, claims({ iat: NOW - 620, exp: NOW - 20 })))).ok).toBe(true);
    expect(await refusal(forge(HEADER, claims({ iat: NOW - 640, exp: NOW - 40 })))).toMatchObject({ reason: 'expired' });
  });

  const cases: [string, () => string | Promise<string>, IdentityFailureReason, RegExp][] = [
    ['signed with another secret under a known kid', () => forge(HEADER, claims(), { secret: OLD_KEY.secret }), 'signature', /signature does not match/],
    ['naming a kid the relay does not have', () => forge({ ...HEADER, kid: 'site-1999' }, claims()), 'kid_unknown', /names no key/],
    ['without a kid', () => forge({ alg: 'HS256' }, claims()), 'kid_missing', /no "kid" header/],
    ['expired', () => forge(HEADER, claims({ iat: NOW - 700, exp: NOW - 100 })), 'expired', /has expired/],
    ['not valid yet (nbf)', () => forge(HEADER, claims({ nbf: NOW + 120 })), 'not_yet_valid', /"nbf" is in the future/],
    ['issued in the future (iat)', () => forge(HEADER, claims({ iat: NOW + 120, exp: NOW + 600 })), 'not_yet_valid', /"iat" is in the future/],
    ['for another audience', () => forge(HEADER, claims({ aud: 'some-other-api' })), 'audience', /"aud" must be "socialboards-ticket-relay"/],
    ['without exp', () => forge(HEADER, { ...claims(), exp: undefined }), 'claim_missing', /no "exp" claim/],
    ['without iat', () => forge(HEADER, { ...claims(), iat: undefined }), 'claim_missing', /no "iat" claim/],
    ['living longer than the relay allows', () => forge(HEADER, claims({ exp: NOW + 7200 })), 'lifetime', /at most 3600 seconds/],
    ['with alg "none" and no signature', () => forge({ alg: 'none', kid: KEY.id }, claims(), { signature: '' }), 'algorithm', /must be signed with HS256/],
    ['HMAC-signed but claiming RS256', () => forge({ ...HEADER, alg: 'RS256' }, claims()), 'algorithm', /must be signed with HS256/],
    ['with its payload changed after signing', () => {
      const [header, , signature] = forge(HEADER, claims()).split('.');
      const payload = Buffer.from(JSON.stringify(claims({ email: 'mallory@evil.example' }))).toString('base64url');
      return `${header}.${payload}.${signature}`;
    }, 'signature', /signature does not match/],
    ['longer than 8192 characters', () => forge(HEADER, claims({ padding: 'x'.repeat(9000) })), 'too_large', /longer than 8192/],
    ['not a JWT at all', () => 'not-a-token', 'malformed', /not a compact JWT/],
    ['encrypted instead of signed (a JWE)', () => `${Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: KEY.id })).toString('base64url')}..aXY.Y2lwaGVy.dGFn`, 'malformed', /not a compact JWS/],
    ['with a claim of the wrong kind', () => forge(HEADER, claims({ email: 'not an address' })), 'claims', /claim email must be an email address/],
    ['with custom fields not keyed by id', () => forge(HEADER, claims({ fields: { plan: 'gold' } })), 'claims', /claim fields/],
  ];

  it.each(cases)('refuses a token %s, naming the check', async (_name, make, reason, message) => {
    const refused = await refusal(await make());
    expect(refused.reason).toBe(reason);
    expect(refused.message).toMatch(message);
  });

  it('refuses an RS256 token, and an HS256 one keyed with the RSA public key, under a known kid', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const rs256 = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: KEY.id }).sign(privateKey);
    expect((await refusal(rs256)).reason).toBe('algorithm');
    // The classic confusion: the public key (known to all) used as an HMAC secret.
    const confused = forge(HEADER, claims(), { secret: await exportSPKI(publicKey) });
    expect((await refusal(confused)).reason).toBe('signature');
  });

  it('refuses every token when the relay has no keys', async () => {
    const none = createIdentityVerifier({ ...IDENTITY_CONFIG, keys: [] }, () => NOW_MS);
    const result = await none(forge(HEADER, claims()));
    expect(result).toMatchObject({ ok: false, error: { reason: 'not_configured', message: expect.stringMatching(/RELAY_IDENTITY_KEYS is not set/) } });
  });

  it('checks the audience the relay configures', async () => {
    const scoped = createIdentityVerifier({ ...IDENTITY_CONFIG, audience: 'shop-relay' }, () => NOW_MS);
    expect((await scoped(forge(HEADER, claims({ aud: 'shop-relay' })))).ok).toBe(true);
    expect(await scoped(forge(HEADER, claims()))).toMatchObject({ ok: false, error: { reason: 'audience' } });
  });

  // One rule for typed and signed names and emails: whatever the built-in field's schema refuses
  // (now or after a change to it), a token cannot bring in.
  const CREATOR_VALUES: [string, string][] = [
    ['name', ' Ann Smith '],
    ['name', 'x'.repeat(101)],
    ['name', 'Ann\u0000Smith'],
    ['name', 'Invoice \u202Egpj.exe'],
    ['email', 'ann@example.com'],
    ['email', 'ann@'],
    ['email', `${'a'.repeat(250)}@b.co`],
  ];

  it.each(CREATOR_VALUES)('takes a signed %s %j exactly when a typed one passes, and as the schema leaves it', async (claim, value) => {
    const spec = BUILT_IN_FIELDS.find((field) => field.path === `creator.${claim}`);
    if (spec === undefined) throw new Error(`no built-in field for ${claim}`);
    const typed = v.safeParse(fieldSchema(spec), value);
    const result = await verify(forge(HEADER, { ...claims(), name: undefined, email: undefined, [claim]: value }));
    expect(result.ok).toBe(typed.success);
    if (result.ok && typed.success) expect(result.value.claims[claim as 'name' | 'email']).toBe(typed.output);
  });
});
