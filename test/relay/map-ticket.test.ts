import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { CreateTicketBody } from '../../src/shared/create-ticket';
import { TicketRequest } from '../../src/shared/ticket-request';
import { mapTicket } from '../../src/relay/map-ticket';
import type { PinnedTicketFields } from '../../src/relay/map-ticket';

const PINNED: PinnedTicketFields = {
  sourceName: 'Shop contact form',
  categoryId: 15597,
  assigneeId: '43b8adc7-755d-2be3-afb1-b6a462631977',
  tags: ['web'],
};

const seed = v.parse(TicketRequest, {
  title: ' New car price list. ',
  message: 'Hello I want to buy a new car, how can I get a price list?',
  sentiment: 'question',
  creator: { name: 'Bill Smith', email: 'bill_smith@gmail.com' },
});

describe('mapTicket', () => {
  it('maps the seed example to the documented Create Ticket body', () => {
    expect(mapTicket(seed, PINNED)).toEqual({
      title: 'New car price list.',
      message: 'Hello I want to buy a new car, how can I get a price list?',
      isHtml: false,
      sentiment: 'question',
      sourceName: 'Shop contact form',
      categoryId: 15597,
      assigneeId: '43b8adc7-755d-2be3-afb1-b6a462631977',
      tags: ['web'],
      cc: [],
      creator: { name: 'Bill Smith', email: 'bill_smith@gmail.com', customIdentifier: null, image: null, phoneNumber: null },
      customFields: [],
      attachments: [],
    });
  });

  it('always sends isHtml false, so visitor markup is shown as text', () => {
    const html = v.parse(TicketRequest, {
      title: 'Hi',
      message: '<img src=x onerror=alert(1)>',
      creator: { email: 'a@b.example' },
    });
    const body = mapTicket(html, PINNED);
    expect(body.isHtml).toBe(false);
    expect(body.message).toBe('<img src=x onerror=alert(1)>');
  });

  it('produces a body that matches the shared CreateTicketBody schema', () => {
    expect(v.safeParse(CreateTicketBody, mapTicket(seed, PINNED)).success).toBe(true);
  });

  it('sends null for absent pinned values and creator fields, and leaves sentiment out', () => {
    const minimal = v.parse(TicketRequest, { title: 'T', message: 'M', creator: { email: 'a@b.example', phoneNumber: '+47 22 33 44 55' } });
    const body = mapTicket(minimal, { sourceName: 'Website ticket widget', categoryId: null, assigneeId: null, tags: [] });
    expect(body).toMatchObject({ categoryId: null, assigneeId: null, tags: [] });
    expect(body.creator).toEqual({ name: null, email: 'a@b.example', customIdentifier: null, image: null, phoneNumber: '+47 22 33 44 55' });
    expect(body).not.toHaveProperty('sentiment');
  });

  it('takes pinned values from the config even if the request object carries its own', () => {
    // The schema refuses these keys; this checks the mapper itself never reads them.
    const forged = { ...seed, sourceName: 'evil', assigneeId: 'x', tags: ['vip'], isHtml: true, cc: ['spy@evil.example'] } as TicketRequest;
    const body = mapTicket(forged, PINNED);
    expect(body).toMatchObject({ sourceName: 'Shop contact form', assigneeId: PINNED.assigneeId, tags: ['web'], isHtml: false, cc: [] });
  });

  it("sends the checked answers: custom fields as given, and the visitor's category over the pinned one", () => {
    const customFields = [{ id: 42623, value: 'Oslo' }, { id: 42635, value: 'Financing,Insurance' }];
    expect(mapTicket(seed, PINNED, { customFields, categoryId: 15601 })).toMatchObject({ customFields, categoryId: 15601 });
    expect(mapTicket(seed, PINNED, { customFields: [], categoryId: undefined }).categoryId).toBe(15597);
  });

  it('never reads a category from the request itself: only a checked answer replaces the pinned one', () => {
    const forged = { ...seed, categoryId: 15721 } as TicketRequest;
    expect(mapTicket(forged, PINNED).categoryId).toBe(15597);
  });

  it('copies the pinned tags, so a later change to the body cannot alter the config', () => {
    const body = mapTicket(seed, PINNED);
    body.tags.push('changed');
    expect(PINNED.tags).toEqual(['web']);
  });
});
