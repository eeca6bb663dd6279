import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CLIENT_ID, REFRESH_TOKEN, jwtPayload, makeFake } from './support';

describe('POST /token', () => {
  it('mints an access token for the configured client and refresh token', async () => {
    const fake = makeFake();
    const answer = await fake.requestToken();

    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 3599,
      refresh_token: REFRESH_TOKEN,
    });
  });

  it('mints a JWT shaped like the doc example: HS512, community claims, exp = nbf + ttl', async () => {
    const fake = makeFake();
    const token = await fake.token();
    const [header] = token.split('.');

    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toEqual({ alg: 'HS512', typ: 'JWT' });
    const nbf = Math.floor(fake.clock.now / 1000);
    expect(jwtPayload(token)).toEqual({
      cid: expect.any(String),
      type: 'Community',
      nbf,
      exp: nbf + 3600,
      iss: 'socialboards.com',
      aud: expect.stringMatching(/^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/),
    });
  });

  it('signs with a secret of its own, so a token cannot be forged with a guessed key', async () => {
    const fake = makeFake();
    const [header, payload, signature] = (await fake.token()).split('.');
    const guessed = createHmac('sha512', 'secret').update(`${header}.${payload}`).digest('base64url');

    expect(signature).toHaveLength(86);
    expect(signature).not.toBe(guessed);
  });

  it('reports expires_in one second short of the configured lifetime', async () => {
    const fake = makeFake({ tokenTtlSeconds: 120 });
    const answer = (await (await fake.requestToken()).json()) as { access_token: string; expires_in: number };

    expect(answer.expires_in).toBe(119);
    const claims = jwtPayload(answer.access_token);
    expect(Number(claims.exp) - Number(claims.nbf)).toBe(120);
  });

  it('refuses a token lifetime below 2 seconds', () => {
    expect(() => makeFake({ tokenTtlSeconds: 1 })).toThrow(/tokenTtlSeconds/);
  });

  const refusals = [
    {
      name: 'a wrong grant_type',
      form: `grant_type=password&refresh_token=${REFRESH_TOKEN}&client_id=${CLIENT_ID}`,
      error: 'invalid_grant',
    },
    {
      name: 'an unknown refresh token',
      form: `grant_type=refresh_token&refresh_token=stolen&client_id=${CLIENT_ID}`,
      error: 'invalid_grant',
    },
    {
      name: 'an unknown client id',
      form: `grant_type=refresh_token&refresh_token=${REFRESH_TOKEN}&client_id=someone-else`,
      error: 'invalid_grant',
    },
    {
      name: 'a missing client id',
      form: `grant_type=refresh_token&refresh_token=${REFRESH_TOKEN}`,
      error: 'invalid_request',
    },
    {
      name: 'the misspelled grand_type of one doc rendering',
      form: `grand_type=refresh_token&refresh_token=${REFRESH_TOKEN}&client_id=${CLIENT_ID}`,
      error: 'invalid_request',
    },
  ];
  it.each(refusals)('answers 400 $error to $name', async ({ form, error }) => {
    const answer = await makeFake().requestToken(form);

    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ error, error_description: expect.any(String) });
  });

  it('answers 400 invalid_request to a JSON body', async () => {
    const body = JSON.stringify({ grant_type: 'refresh_token', refresh_token: REFRESH_TOKEN, client_id: CLIENT_ID });
    const answer = await makeFake().requestToken(body, 'application/json');

    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('accepts a form content type with a charset', async () => {
    const answer = await makeFake().requestToken(undefined, 'application/x-www-form-urlencoded; charset=UTF-8');

    expect(answer.status).toBe(200);
  });
});
