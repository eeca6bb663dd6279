import { describe, expect, expectTypeOf, it } from 'vitest';
import type { CreateTicketBody } from '../../src/shared/create-ticket';
import type { AcceptedTicketBody } from '../../src/fake-socialboards/ticket-body';
import { MINIMAL_BODY, SEED_ATTACHMENT_NOT_FETCHED, SEED_BODY, makeFake } from './support';

describe('POST /tickets', () => {
  it("accepts the seed's example body and stores it exactly", async () => {
    const fake = makeFake();

    const answer = await fake.postTicket(SEED_BODY);

    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ data: 4484636, errorCode: -1, errorText: null });
    expect(fake.state.tickets).toEqual([
      { id: 4484636, receivedAt: '2025-03-01T12:00:00.000Z', isHtml: true, body: SEED_BODY, attachmentsFetched: [SEED_ATTACHMENT_NOT_FETCHED] },
    ]);
  });

  it('gives each ticket the next id, starting at the doc example 4484636', async () => {
    const fake = makeFake();
    const token = await fake.token();

    const ids = [];
    for (let i = 0; i < 3; i += 1) {
      ids.push(((await (await fake.postTicket(MINIMAL_BODY, token)).json()) as { data: number }).data);
    }

    expect(ids).toEqual([4484636, 4484637, 4484638]);
  });

  it.each([
    { sent: undefined, effective: true },
    { sent: true, effective: true },
    { sent: false, effective: false },
  ])('records isHtml $effective when $sent is sent (the documented default is true)', async ({ sent, effective }) => {
    const fake = makeFake();

    await fake.postTicket({ ...MINIMAL_BODY, isHtml: sent });

    expect(fake.state.tickets[0]?.isHtml).toBe(effective);
  });

  it.each([
    { name: 'every documented field', body: { ...SEED_BODY, isHtml: false, sourceName: 'Contact page' } },
    { name: 'only the minimum', body: MINIMAL_BODY },
    { name: 'a creator with only a name', body: { ...MINIMAL_BODY, creator: { name: 'Ann' } } },
    { name: 'null category and assignee', body: { ...MINIMAL_BODY, categoryId: null, assigneeId: null } },
    { name: 'a subcategory', body: { ...MINIMAL_BODY, categoryId: 15602 } },
    { name: 'any text in a field without possibleValues', body: { ...MINIMAL_BODY, customFields: [{ id: 42624, value: 'A-1' }] } },
    { name: 'a hidden field', body: { ...MINIMAL_BODY, customFields: [{ id: 42626, value: 'campaign' }] } },
    { name: 'one option of a multiselect', body: { ...MINIMAL_BODY, customFields: [{ id: 42635, value: 'Insurance' }] } },
    { name: 'several options of a multiselect joined by ","', body: { ...MINIMAL_BODY, customFields: [{ id: 42635, value: 'Financing,Trade-in,Insurance' }] } },
  ])('accepts a body with $name', async ({ body }) => {
    expect((await makeFake().postTicket(body)).status).toBe(200);
  });

  const rejections: { name: string; body: unknown; names: string }[] = [
    { name: 'a JSON array', body: [MINIMAL_BODY], names: 'body' },
    { name: 'a missing title', body: { message: 'm', creator: { email: 'a@b.no' } }, names: 'title' },
    { name: 'a blank title', body: { ...MINIMAL_BODY, title: '  ' }, names: 'title' },
    { name: 'an empty message', body: { ...MINIMAL_BODY, message: '' }, names: 'message' },
    { name: 'a numeric message', body: { ...MINIMAL_BODY, message: 42 }, names: 'message' },
    { name: 'a missing creator', body: { title: 't', message: 'm' }, names: 'creator' },
    { name: 'a creator with neither email nor name', body: { ...MINIMAL_BODY, creator: { phoneNumber: '+47 1' } }, names: 'creator' },
    { name: 'an undocumented creator key', body: { ...MINIMAL_BODY, creator: { email: 'a@b.no', id: 'x' } }, names: 'creator.id' },
    { name: 'a creator phone number that is a number', body: { ...MINIMAL_BODY, creator: { email: 'a@b.no', phoneNumber: 4712 } }, names: 'creator.phoneNumber' },
    { name: 'a misspelled top-level field', body: { ...MINIMAL_BODY, sentimet: 'praise' }, names: 'sentimet' },
    { name: 'an unknown sentiment', body: { ...MINIMAL_BODY, sentiment: 'angry' }, names: 'sentiment' },
    { name: 'an isHtml string', body: { ...MINIMAL_BODY, isHtml: 'false' }, names: 'isHtml' },
    { name: 'an unknown category', body: { ...MINIMAL_BODY, categoryId: 99 }, names: 'categoryId' },
    { name: 'a fractional category id', body: { ...MINIMAL_BODY, categoryId: 15597.5 }, names: 'categoryId' },
    { name: 'an assignee that is not a GUID', body: { ...MINIMAL_BODY, assigneeId: 'bob' }, names: 'assigneeId' },
    { name: 'tags that are not strings', body: { ...MINIMAL_BODY, tags: [1] }, names: 'tags[0]' },
    { name: 'cc as a string', body: { ...MINIMAL_BODY, cc: 'a@b.no' }, names: 'cc' },
    { name: 'an unknown custom field id', body: { ...MINIMAL_BODY, customFields: [{ id: 1, value: 'x' }] }, names: 'customFields[0].id' },
    { name: 'a custom field value that is a number', body: { ...MINIMAL_BODY, customFields: [{ id: 42629, value: 12 }] }, names: 'customFields[0].value' },
    { name: 'a custom field keyed by "key" as in List Tickets', body: { ...MINIMAL_BODY, customFields: [{ key: 42623, value: 'Oslo' }] }, names: 'customFields[0].id' },
    { name: 'the same custom field twice', body: { ...MINIMAL_BODY, customFields: [{ id: 42624, value: 'a' }, { id: 42624, value: 'b' }] }, names: 'customFields' },
    { name: 'an attachment with a relative URL', body: { ...MINIMAL_BODY, attachments: [{ url: '/files/a.png', name: 'a.png' }] }, names: 'attachments[0].url' },
    { name: 'an attachment with an ftp URL', body: { ...MINIMAL_BODY, attachments: [{ url: 'ftp://x.no/a.png', name: 'a.png' }] }, names: 'attachments[0].url' },
    { name: 'an attachment without a name', body: { ...MINIMAL_BODY, attachments: [{ url: 'https://x.no/a.png' }] }, names: 'attachments[0].name' },
  ];
  it.each(rejections)('rejects $name with a 400 naming $names', async ({ body, names }) => {
    const fake = makeFake();

    const answer = await fake.postTicket(body);

    expect(answer.status).toBe(400);
    const envelope = (await answer.json()) as { data: unknown; errorCode: number; errorText: string };
    expect(envelope).toEqual({ data: null, errorCode: 1, errorText: expect.any(String) });
    expect(envelope.errorText.startsWith(`${names}: `) || envelope.errorText.includes(`; ${names}: `)).toBe(true);
    expect(fake.state.tickets).toEqual([]);
  });

  it('rejects a customFields value that is not one of possibleValues', async () => {
    const answer = await makeFake().postTicket({ ...MINIMAL_BODY, customFields: [{ id: 42623, value: 'Bergen' }] });

    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({
      errorText: 'customFields[0].value: "Bergen" is not one of the possibleValues of custom field 42623',
    });
  });

  it.each([
    ['an option it does not have', 'Financing,Leasing'],
    ['the same option twice', 'Insurance,Insurance'],
    ['options joined by ", "', 'Financing, Trade-in'],
    ['an empty part', 'Financing,'],
  ])('rejects a multiselect value with %s', async (_name, value) => {
    const answer = await makeFake().postTicket({ ...MINIMAL_BODY, customFields: [{ id: 42635, value }] });

    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({
      errorText: `customFields[0].value: "${value}" is not one of the possibleValues of custom field 42635`,
    });
  });

  it('takes a comma as part of the value, not a separator, for a single-choice field', async () => {
    const answer = await makeFake().postTicket({ ...MINIMAL_BODY, customFields: [{ id: 42623, value: 'Oslo,Agder' }] });

    expect(answer.status).toBe(400);
  });

  it('names every bad field at once', async () => {
    const answer = await makeFake().postTicket({ message: '', creator: {}, sentiment: 'x' });

    const { errorText } = (await answer.json()) as { errorText: string };
    expect(errorText.split('; ').map((part) => part.split(':')[0])).toEqual([
      'title', 'message', 'creator', 'sentiment',
    ]);
  });

  it('rejects a body that is not JSON', async () => {
    const answer = await makeFake().postTicket('{"title": ');

    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ data: null, errorCode: 1, errorText: 'body: is not valid JSON' });
  });

  it('answers 415 to a body that is not sent as application/json', async () => {
    const fake = makeFake();
    const answer = await fake.app.request('/tickets', {
      method: 'POST',
      headers: { authorization: `Bearer ${await fake.token()}`, 'content-type': 'text/plain' },
      body: JSON.stringify(MINIMAL_BODY),
    });

    expect(answer.status).toBe(415);
    expect(await answer.json()).toMatchObject({ data: null, errorCode: 415 });
  });

  it('checks the token before the body', async () => {
    const answer = await makeFake().postTicket('not json', 'bad-token');

    expect(answer.status).toBe(401);
  });

  it('accepts every body the shared CreateTicketBody type allows (type-level)', () => {
    expectTypeOf<CreateTicketBody>().toExtend<AcceptedTicketBody>();
  });
});
