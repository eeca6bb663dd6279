import { describe, expect, it } from 'vitest';
import { MINIMAL_BODY, makeFake } from './support';

/** Settles to 'pending' if the promise has not settled within `ms`. */
const within = <T>(promise: T | Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);

/** Dice that roll the given values in turn. */
const dice = (...rolls: number[]) => () => rolls.shift() ?? 0.99;

describe('fault injection', () => {
  it('applies an error fault to the next 2 requests only', async () => {
    const fake = makeFake();
    const token = await fake.token();
    await fake.addFault({ kind: 'error', count: 2 });

    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await fake.getWithToken('/categories', token)).status);

    expect(statuses).toEqual([500, 500, 200]);
  });

  it('answers an injected error with the 500 envelope, without creating the ticket', async () => {
    const fake = makeFake();
    const token = await fake.token();
    await fake.addFault({ kind: 'error' });

    const answer = await fake.postTicket(MINIMAL_BODY, token);

    expect(answer.status).toBe(500);
    expect(await answer.json()).toEqual({ data: null, errorCode: 500, errorText: 'Injected fault' });
    expect(fake.state.tickets).toEqual([]);
  });

  it('refuses a ticket under a refuse fault with the 400 validation envelope, without creating it', async () => {
    const fake = makeFake();
    const token = await fake.token();
    await fake.addFault({ kind: 'refuse', path: '/tickets' });

    const answer = await fake.postTicket(MINIMAL_BODY, token);

    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ data: null, errorCode: 1, errorText: 'Injected refusal' });
    expect(fake.state.tickets).toEqual([]);
    expect((await fake.postTicket(MINIMAL_BODY, token)).status).toBe(200);
  });

  it('hits only the next request when neither count nor rate is given', async () => {
    const fake = makeFake();
    const token = await fake.token();
    await fake.addFault({ kind: 'error' });

    expect((await fake.postTicket(MINIMAL_BODY, token)).status).toBe(500);
    expect((await fake.postTicket(MINIMAL_BODY, token)).status).toBe(200);
  });

  it('leaves /token alone unless the fault names it', async () => {
    const fake = makeFake();
    await fake.addFault({ kind: 'error' });

    expect((await fake.requestToken()).status).toBe(200);
    expect((await fake.getWithToken('/customfields', await fake.token())).status).toBe(500);
  });

  it('answers an error fault on /token OAuth-style', async () => {
    const fake = makeFake();
    await fake.addFault({ kind: 'error', path: '/token' });

    const answer = await fake.requestToken();

    expect(answer.status).toBe(500);
    expect(await answer.json()).toMatchObject({ error: 'server_error' });
  });

  it('targets only the given path', async () => {
    const fake = makeFake();
    const token = await fake.token();
    await fake.addFault({ kind: 'error', path: '/tickets' });

    expect((await fake.getWithToken('/categories', token)).status).toBe(200);
    expect((await fake.postTicket(MINIMAL_BODY, token)).status).toBe(500);
  });

  it('fails a request before checking its token', async () => {
    const fake = makeFake();
    await fake.addFault({ kind: 'error' });

    expect((await fake.app.request('/categories')).status).toBe(500);
  });

  it.each([
    { rate: 0.5, roll: 0.3, status: 500 },
    { rate: 0.5, roll: 0.7, status: 200 },
    { rate: 0, roll: 0, status: 200 },
    { rate: 1, roll: 0.99, status: 500 },
  ])('with rate $rate and a roll of $roll answers $status', async ({ rate, roll, status }) => {
    const fake = makeFake({ random: () => roll });
    const token = await fake.token();
    await fake.addFault({ kind: 'error', rate });

    expect((await fake.getWithToken('/categories', token)).status).toBe(status);
  });

  it('keeps a rate fault until the faults are cleared', async () => {
    const fake = makeFake({ random: () => 0 });
    const token = await fake.token();
    await fake.addFault({ kind: 'error', rate: 0.5 });

    for (let i = 0; i < 5; i += 1) expect((await fake.getWithToken('/categories', token)).status).toBe(500);
    expect((await fake.app.request('/__fake/faults', { method: 'DELETE' })).status).toBe(204);
    expect((await fake.getWithToken('/categories', token)).status).toBe(200);
  });

  it('with count and rate looks at the next count requests only, each hit by chance', async () => {
    const fake = makeFake({ random: dice(0.9, 0.1, 0.9, 0.1) });
    const token = await fake.token();
    await fake.addFault({ kind: 'error', count: 3, rate: 0.5 });

    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await fake.getWithToken('/categories', token)).status);

    expect(statuses).toEqual([200, 500, 200, 200]);
    expect(fake.state.faults).toEqual([]);
  });

  it('queues several faults and applies the first that matches', async () => {
    const fake = makeFake();
    const token = await fake.token();
    await fake.addFault({ kind: 'slow', delayMs: 10, path: '/categories' });
    await fake.addFault({ kind: 'error' });

    expect((await fake.getWithToken('/categories', token)).status).toBe(200);
    expect((await fake.getWithToken('/categories', token)).status).toBe(500);
    expect((await fake.getWithToken('/categories', token)).status).toBe(200);
  });

  it('delays a request under a slow fault, then answers normally', async () => {
    const fake = makeFake();
    const token = await fake.token();
    await fake.addFault({ kind: 'slow', delayMs: 150 });

    const started = performance.now();
    const answer = await fake.postTicket(MINIMAL_BODY, token);

    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(answer.status).toBe(200);
    expect(fake.state.tickets).toHaveLength(1);
  });

  it('still creates the ticket of a slow request whose client gave up', async () => {
    const fake = makeFake();
    const token = await fake.token();
    await fake.addFault({ kind: 'slow', delayMs: 100 });
    const client = new AbortController();

    const pending = fake.postTicket(MINIMAL_BODY, token, { signal: client.signal });
    client.abort();
    await pending;

    expect(fake.state.tickets).toHaveLength(1);
  });

  it('holds a request open under a timeout fault until the client gives up', async () => {
    const fake = makeFake();
    const token = await fake.token();
    await fake.addFault({ kind: 'timeout' });
    const client = new AbortController();

    const pending = fake.postTicket(MINIMAL_BODY, token, { signal: client.signal });

    expect(await within(pending, 200)).toBe('pending');
    expect(fake.state.requests.at(-1)).toMatchObject({ path: '/tickets', status: null });
    client.abort();
    expect(await within(pending, 200)).not.toBe('pending');
    expect(fake.state.tickets).toEqual([]);
    expect(fake.state.requests.at(-1)).toMatchObject({ path: '/tickets', status: null });
  });

  it('ends held requests when asked to release them (as close() does)', async () => {
    const fake = makeFake();
    await fake.addFault({ kind: 'timeout', path: '/token' });

    const pending = fake.requestToken();
    expect(await within(pending, 100)).toBe('pending');
    fake.state.releaseHeldRequests();

    expect(await within(pending, 200)).not.toBe('pending');
  });

  it('creates the ticket under a malformed fault but answers its id as a string', async () => {
    const fake = makeFake();
    const token = await fake.token();
    await fake.addFault({ kind: 'malformed', path: '/tickets' });

    const answer = await fake.postTicket(MINIMAL_BODY, token);

    expect(answer.status).toBe(200);
    const id = fake.state.tickets[0]?.id;
    expect(await answer.json()).toEqual({ data: String(id), errorCode: -1, errorText: null });
    expect(fake.state.tickets).toHaveLength(1);
    expect(await (await fake.postTicket(MINIMAL_BODY, token)).json()).toMatchObject({ data: expect.any(Number) });
  });

  it('creates the ticket under a processed error fault, then answers 500 as if it had failed', async () => {
    const fake = makeFake();
    const token = await fake.token();
    await fake.addFault({ kind: 'error', path: '/tickets', processed: true });

    const answer = await fake.postTicket(MINIMAL_BODY, token);

    expect(answer.status).toBe(500);
    expect(await answer.json()).toEqual({ data: null, errorCode: 500, errorText: 'Injected fault' });
    expect(fake.state.tickets).toHaveLength(1);
    expect(fake.state.requests.at(-1)).toMatchObject({ path: '/tickets', status: 500 });
  });

  it('creates the ticket under a processed timeout fault, then holds the answer until the client gives up', async () => {
    const fake = makeFake();
    const token = await fake.token();
    await fake.addFault({ kind: 'timeout', path: '/tickets', processed: true });
    const client = new AbortController();

    const pending = fake.postTicket(MINIMAL_BODY, token, { signal: client.signal });

    expect(await within(pending, 200)).toBe('pending');
    expect(fake.state.tickets).toHaveLength(1);
    client.abort();
    expect(await within(pending, 200)).not.toBe('pending');
    expect(fake.state.requests.at(-1)).toMatchObject({ path: '/tickets', status: null });
  });

  it('leaves an error answer alone under a malformed fault', async () => {
    const fake = makeFake();
    await fake.addFault({ kind: 'malformed' });

    const answer = await fake.postTicket(MINIMAL_BODY, 'not-a-token');

    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({ data: null, errorCode: 401 });
  });

  it('expire-token revokes tokens at once and queues nothing', async () => {
    const fake = makeFake();
    const token = await fake.token();

    await fake.addFault({ kind: 'expire-token', count: 5 });

    expect(fake.state.faults).toEqual([]);
    expect((await fake.getWithToken('/categories', token)).status).toBe(401);
  });

  const badFaults: { name: string; body: string; error: string }[] = [
    { name: 'a body that is not JSON', body: '{kind:', error: 'body: is not valid JSON' },
    { name: 'a JSON array', body: '[]', error: 'body: must be a JSON object' },
    { name: 'no kind', body: '{}', error: 'kind: is required' },
    { name: 'an unknown kind', body: '{"kind":"explode"}', error: 'kind: must be error, timeout, slow, malformed, refuse or expire-token' },
    { name: 'a count of 0', body: '{"kind":"error","count":0}', error: 'count: must be an integer of at least 1' },
    { name: 'a fractional count', body: '{"kind":"error","count":1.5}', error: 'count: must be an integer of at least 1' },
    { name: 'a rate above 1', body: '{"kind":"error","rate":2}', error: 'rate: must be a number from 0 to 1' },
    { name: 'a negative delay', body: '{"kind":"slow","delayMs":-1}', error: 'delayMs: must be an integer from 0 to 600000' },
    { name: 'an unknown path', body: '{"kind":"error","path":"/tickets/42"}', error: 'path: must be one of /token, /tickets, /tickets/list, /customfields, /categories' },
    { name: 'processed on a slow fault', body: '{"kind":"slow","processed":true}', error: 'processed: only for error and timeout' },
    { name: 'processed that is not a flag', body: '{"kind":"error","processed":"yes"}', error: 'processed: must be true or false' },
    { name: 'an unknown option', body: '{"kind":"error","times":2}', error: 'times: is not a fault option' },
  ];
  it.each(badFaults)('answers 400 naming the bad key to $name', async ({ body, error }) => {
    const fake = makeFake();

    const answer = await fake.app.request('/__fake/faults', { method: 'POST', body });

    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ error });
    expect(fake.state.faults).toEqual([]);
  });
});
