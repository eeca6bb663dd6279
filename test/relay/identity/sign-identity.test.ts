import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { signIdentity } from '../../../src/relay/identity/sign-identity';
import { KEY, NOW, NOW_MS } from './tokens';

describe('signIdentity', () => {
  it('makes an HS256 token with kid, audience, iat and a ten-minute exp', async () => {
    const token = await signIdentity({ key: KEY, name: 'Ann', email: 'ann@example.com', fields: { 42626: ['a', 'b'] }, subject: 'user-7', now: () => NOW_MS });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', kid: KEY.id, typ: 'JWT' });
    expect(decodeJwt(token)).toEqual({
      aud: 'socialboards-ticket-relay',
      iat: NOW,
      exp: NOW + 600,
      sub: 'user-7',
      name: 'Ann',
      email: 'ann@example.com',
      fields: { 42626: ['a', 'b'] },
    });
  });

  it('takes a lifetime and an audience', async () => {
    const token = await signIdentity({ key: KEY, email: 'ann@example.com', expiresInSeconds: 60, audience: 'shop-relay', now: () => NOW_MS });
    expect(decodeJwt(token)).toMatchObject({ aud: 'shop-relay', exp: NOW + 60 });
  });

  const mistakes: [string, Parameters<typeof signIdentity>[0], RegExp][] = [
    ['a short secret', { key: { id: 'k', secret: 'short' }, email: 'a@b.co' }, /at least 32 characters/],
    ['an invalid email', { key: KEY, email: 'not an address' }, /email must be an email address/],
    ['a blank name', { key: KEY, name: '  ' }, /name must be a string of 1 to 100 characters/],
    ['a field id that is not a number', { key: KEY, fields: { plan: 'gold' } }, /custom field ids/],
    ['a zero lifetime', { key: KEY, email: 'a@b.co', expiresInSeconds: 0 }, /expiresInSeconds/],
    ['more than fits in a token', { key: KEY, fields: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [40000 + i, 'x'.repeat(1900)])) }, /longer than 8192/],
  ];

  it.each(mistakes)('refuses to sign %s', async (_name, options, message) => {
    await expect(signIdentity(options)).rejects.toThrow(message);
  });

  it('never puts the secret in its errors', async () => {
    await expect(signIdentity({ key: KEY, email: 'nope' })).rejects.toThrow(expect.objectContaining({ message: expect.not.stringContaining(KEY.secret) }));
  });
});
