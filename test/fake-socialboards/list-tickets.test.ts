import { describe, expect, it } from 'vitest';
import { MINIMAL_BODY, SEED_BODY, makeFake } from './support';

type Listed = { data: { id: number; customFields: { id: number; value: string }[] }[] | null; errorCode: number; errorText: string | null };

/** A fake with tickets: the seed (region Oslo, category 15597) and two minimal ones with a submission key each. */
async function withTickets() {
  const fake = makeFake();
  const token = await fake.token();
  await fake.postTicket(SEED_BODY, token);
  fake.clock.now += 60_000;
  await fake.postTicket({ ...MINIMAL_BODY, customFields: [{ id: 42636, value: 'key-a' }] }, token);
  fake.clock.now += 60_000;
  await fake.postTicket({ ...MINIMAL_BODY, title: 'Second', customFields: [{ id: 42636, value: 'key-b' }, { id: 42623, value: 'Oslo' }] }, token);
  const list = async (filter: unknown, accessToken: string = token) => {
    const answer = await fake.app.request('/tickets/list', {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: typeof filter === 'string' ? filter : JSON.stringify(filter),
    });
    return { status: answer.status, body: (await answer.json()) as Listed };
  };
  const ids = async (filter: unknown) => (await list(filter)).body.data?.map((ticket) => ticket.id);
  return { fake, list, ids };
}

describe('POST /tickets/list', () => {
  it('lists every ticket newest first in the envelope, as Ticket objects', async () => {
    const { list } = await withTickets();
    const { status, body } = await list({});
    expect(status).toBe(200);
    expect(body.errorCode).toBe(-1);
    expect(body.data?.map((ticket) => ticket.id)).toEqual([4484638, 4484637, 4484636]);
    expect(body.data?.at(-1)).toMatchObject({
      id: 4484636,
      title: SEED_BODY.title,
      message: SEED_BODY.message,
      htmlMessage: `<div class="sb-html-message">${SEED_BODY.message}</div>`,
      author: { name: 'Bill Smith', email: 'bill_smith@gmail.com', isBot: false, status: 'client' },
      category: { id: 15597, name: 'Sales', parents: [] },
      creationTime: '2025-03-01T12:00:00.000Z',
      customFields: [{ id: 42623, value: 'Oslo' }],
      sentiment: 'question',
      source: 'web',
      status: 'open',
      attachments: [{ isContentPart: false, name: 'filename.png', url: 'https://your.attachment.url/filename.png' }],
      properties: { hasAttachments: true },
    });
  });

  it('finds tickets by a custom field value (`key`, not `id`), every pair given having to match', async () => {
    const { ids } = await withTickets();
    expect(await ids({ customFields: [{ key: 42636, value: 'key-a' }] })).toEqual([4484637]);
    expect(await ids({ customFields: [{ key: 42623, value: 'Oslo' }] })).toEqual([4484638, 4484636]);
    expect(await ids({ customFields: [{ key: 42623, value: 'Oslo' }, { key: 42636, value: 'key-b' }] })).toEqual([4484638]);
    expect(await ids({ customFields: [{ key: 42636, value: 'key-c' }] })).toEqual([]);
  });

  it.each([
    ['ticketIds', { ticketIds: [4484636, 4484638, 1] }, [4484638, 4484636]],
    ['a category', { categoryId: 15597 }, [4484636]],
    ['uncategorised (categoryId null)', { categoryId: null }, [4484638, 4484637]],
    ['from', { from: '2025-03-01T13:01:00.0000000+01:00' }, [4484638, 4484637]],
    ['to', { to: '2025-03-01T12:01:00Z' }, [4484637, 4484636]],
    ['status open', { status: 'open' }, [4484638, 4484637, 4484636]],
    ['status pending', { status: 'pending' }, []],
    ['source', { source: 'web' }, [4484638, 4484637, 4484636]],
    ['skip and take', { skip: 1, take: 1 }, [4484637]],
    ['orderBy', { orderBy: 'last_thread_activity_desc' }, [4484638, 4484637, 4484636]],
  ])('filters by %s', async (_name, filter, expected) => {
    const { ids } = await withTickets();
    expect(await ids(filter)).toEqual(expected);
  });

  it('pages 25 at a time by default', async () => {
    const fake = makeFake();
    const token = await fake.token();
    for (let i = 0; i < 27; i += 1) await fake.postTicket(MINIMAL_BODY, token);
    const answer = await fake.app.request('/tickets/list', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(((await answer.json()) as Listed).data).toHaveLength(25);
  });

  it.each([
    ['an unknown filter', { email: 'ann@example.com' }, 'email: is not a documented filter'],
    ['a filter by id instead of key', { customFields: [{ id: 42636, value: 'key-a' }] }, 'customFields[0].key: is required; customFields[0].id: is not a documented filter'],
    ['take over 100', { take: 101 }, 'take: must be at most 100'],
    ['a time without an offset', { from: '2025-03-01T12:00:00' }, 'from: must be an ISO 8601 time with an offset'],
    ['an unknown order', { orderBy: 'random' }, 'orderBy: must be one of last_thread_activity_desc'],
    ['an array', [], 'body: must be an object'],
  ])('refuses %s with 400 naming it', async (_name, filter, errorText) => {
    const { list } = await withTickets();
    expect(await list(filter)).toEqual({ status: 400, body: { data: null, errorCode: 1, errorText } });
  });

  it('needs a valid access token', async () => {
    const { list } = await withTickets();
    expect((await list({}, 'forged')).status).toBe(401);
  });

  it('is logged and takes faults like the other resource endpoints', async () => {
    const { fake, list } = await withTickets();
    await fake.addFault({ kind: 'error', path: '/tickets/list' });
    expect((await list({})).status).toBe(500);
    expect((await list({})).status).toBe(200);
    expect(fake.state.requests.filter((request) => request.path === '/tickets/list').map((request) => request.status)).toEqual([500, 200]);
  });
});
