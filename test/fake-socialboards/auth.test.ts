import { describe, expect, it } from 'vitest';
import { makeFake } from './support';

const UNAUTHORIZED = { data: null, errorCode: 401, errorText: 'Unauthorized' };

describe('bearer tokens on resource endpoints', () => {
  it('lets a fresh token through', async () => {
    const fake = makeFake();

    const answer = await fake.getWithToken('/categories', await fake.token());

    expect(answer.status).toBe(200);
  });

  const badHeaders: { name: string; headers: Record<string, string> }[] = [
    { name: 'no Authorization header', headers: {} },
    { name: 'an empty bearer', headers: { authorization: 'Bearer ' } },
    { name: 'a Basic scheme', headers: { authorization: 'Basic dXNlcjpwYXNz' } },
    { name: 'a token that is not a JWT', headers: { authorization: 'Bearer not-a-token' } },
  ];
  it.each(badHeaders)('answers 401 to $name', async ({ headers }) => {
    const answer = await makeFake().app.request('/customfields', { headers });

    expect(answer.status).toBe(401);
    expect(await answer.json()).toEqual(UNAUTHORIZED);
  });

  it('answers 401 to a token with a tampered payload', async () => {
    const fake = makeFake();
    const [header, payload, signature] = (await fake.token()).split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as { exp: number };
    const longer = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 86_400 })).toString('base64url');

    const answer = await fake.getWithToken('/categories', `${header}.${longer}.${signature}`);

    expect(answer.status).toBe(401);
  });

  it('answers 401 to a token minted by another fake', async () => {
    const foreign = await makeFake().token();

    const answer = await makeFake().getWithToken('/categories', foreign);

    expect(answer.status).toBe(401);
  });

  it('accepts a token one second before exp and answers 401 to an expired token', async () => {
    const fake = makeFake({ tokenTtlSeconds: 60 });
    const token = await fake.token();

    fake.clock.now += 59_000;
    expect((await fake.getWithToken('/categories', token)).status).toBe(200);
    fake.clock.now += 1_000;
    const answer = await fake.getWithToken('/categories', token);
    expect(answer.status).toBe(401);
    expect(await answer.json()).toEqual(UNAUTHORIZED);
  });

  it('answers 401 to a token revoked by an expire-token fault, and accepts a new one', async () => {
    const fake = makeFake();
    const old = await fake.token();

    expect((await fake.addFault({ kind: 'expire-token' })).status).toBe(204);
    expect((await fake.getWithToken('/categories', old)).status).toBe(401);

    fake.clock.now += 1_000;
    expect((await fake.getWithToken('/categories', await fake.token())).status).toBe(200);
  });

  it('answers 401 to a token issued before a reset', async () => {
    const fake = makeFake();
    const old = await fake.token();

    await fake.app.request('/__fake/reset', { method: 'POST' });

    expect((await fake.getWithToken('/customfields', old)).status).toBe(401);
  });

  it('does not ask for a token on /token itself', async () => {
    expect((await makeFake().requestToken()).status).toBe(200);
  });
});
