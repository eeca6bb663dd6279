import { describe, expect, it } from 'vitest';
import { MINIMAL_BODY, REFRESH_TOKEN, SEED_ATTACHMENT_NOT_FETCHED, SEED_BODY, makeFake } from './support';

describe('the /__fake test API', () => {
  it('lists stored tickets in arrival order', async () => {
    const fake = makeFake();
    const token = await fake.token();
    await fake.postTicket(SEED_BODY, token);
    fake.clock.now += 5_000;
    await fake.postTicket({ ...MINIMAL_BODY, isHtml: false }, token);

    const answer = await fake.app.request('/__fake/tickets');

    expect(await answer.json()).toEqual({
      tickets: [
        { id: 4484636, receivedAt: '2025-03-01T12:00:00.000Z', isHtml: true, body: SEED_BODY, attachmentsFetched: [SEED_ATTACHMENT_NOT_FETCHED] },
        { id: 4484637, receivedAt: '2025-03-01T12:00:05.000Z', isHtml: false, body: { ...MINIMAL_BODY, isHtml: false } },
      ],
    });
  });

  it('logs every Socialboards request with its status, so tests can count token calls', async () => {
    const fake = makeFake();
    const token = await fake.token();
    await fake.postTicket(MINIMAL_BODY, token);
    await fake.app.request('/categories');
    await fake.app.request('/nowhere');
    await fake.app.request('/__fake/tickets');

    const { requests } = (await (await fake.app.request('/__fake/requests')).json()) as {
      requests: { method: string; path: string; status: number; at: string }[];
    };

    expect(requests.map(({ method, path, status }) => `${method} ${path} ${status}`)).toEqual([
      'POST /token 200',
      'POST /tickets 200',
      'GET /categories 401',
      'GET /nowhere 404',
    ]);
    expect(requests[0]?.at).toBe('2025-03-01T12:00:00.000Z');
  });

  it('never logs bodies or tokens', async () => {
    const fake = makeFake();
    const token = await fake.token();
    await fake.postTicket(SEED_BODY, token);

    const log = await (await fake.app.request('/__fake/requests')).text();

    for (const secret of [token, REFRESH_TOKEN, 'Bill Smith', 'refresh_token']) expect(log).not.toContain(secret);
  });

  it('counts tickets, and those with the same body as an earlier one, until a reset', async () => {
    const fake = makeFake();
    const token = await fake.token();
    const stats = async () => (await (await fake.app.request('/__fake/stats')).json()) as Record<string, number>;
    await fake.postTicket({ ...MINIMAL_BODY, title: 'one' }, token);
    await fake.postTicket({ ...MINIMAL_BODY, title: 'two' }, token);
    expect(await stats()).toMatchObject({ tickets: 2, duplicateTickets: 0 });

    await fake.postTicket({ ...MINIMAL_BODY, title: 'one' }, token);
    await fake.postTicket({ ...MINIMAL_BODY, title: 'one' }, token);
    expect(await stats()).toMatchObject({ tickets: 4, duplicateTickets: 2 });

    await fake.app.request('/__fake/reset', { method: 'POST' });
    await fake.postTicket({ ...MINIMAL_BODY, title: 'one' }, await fake.token());
    expect(await stats()).toMatchObject({ tickets: 1, duplicateTickets: 0 });
  });

  it('lets a page on another origin poll it', async () => {
    const fake = makeFake();

    const answer = await fake.app.request('/__fake/tickets', { headers: { origin: 'http://127.0.0.1:5173' } });

    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers a CORS preflight', async () => {
    const answer = await makeFake().app.request('/__fake/faults', {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });

    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(answer.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('reset forgets tickets, the log and faults, revokes tokens, and keeps counting ids', async () => {
    const fake = makeFake();
    const old = await fake.token();
    await fake.postTicket(MINIMAL_BODY, old);
    await fake.addFault({ kind: 'error', path: '/token' });

    expect((await fake.app.request('/__fake/reset', { method: 'POST' })).status).toBe(204);

    expect(fake.state.tickets).toEqual([]);
    expect(fake.state.requests).toEqual([]);
    expect(fake.state.faults).toEqual([]);
    expect((await fake.getWithToken('/categories', old)).status).toBe(401);
    expect(await (await fake.postTicket(MINIMAL_BODY)).json()).toMatchObject({ data: 4484637 });
  });

  it.each(['/nowhere', '/__fake/nowhere', '/tickets/list'])('answers 404 with the envelope to %s', async (path) => {
    const answer = await makeFake().app.request(path);

    expect(answer.status).toBe(404);
    expect(await answer.json()).toEqual({ data: null, errorCode: 404, errorText: 'Not found' });
  });
});
