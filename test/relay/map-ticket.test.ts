import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_FIELDS } from '../../src/shared/built-in-fields';
import { CreateTicketBody } from '../../src/shared/create-ticket';
import { checkValues, createFormSchema } from '../../src/shared/field-values';
import type { FieldValues } from '../../src/shared/field-values';
import { mapTicket } from '../../src/relay/map-ticket';
import type { PinnedTicketFields } from '../../src/relay/map-ticket';

const PINNED: PinnedTicketFields = {
  sourceName: 'Shop contact form',
  categoryId: 15597,
  assigneeId: '43b8adc7-755d-2be3-afb1-b6a462631977',
  tags: ['web'],
};

const FORM_SCHEMA = createFormSchema([...BUILT_IN_FIELDS, { path: 'categoryId', control: 'choice', required: false, choices: [{ value: '15601' }] }]);

/** Values as the relay maps them: checked against the built-in fields (cleaned, trimmed). */
function checked(values: FieldValues): FieldValues {
  const result = checkValues(FORM_SCHEMA, values);
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

const answers = (values: FieldValues, customFields: { id: number; value: string }[] = []) => ({ values: checked(values), customFields });

const seed = answers({
  title: ' New car price list. ',
  message: 'Hello I want to buy a new car, how can I get a price list?',
  sentiment: 'question',
  'creator.name': 'Bill Smith',
  'creator.email': 'bill_smith@gmail.com',
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
    const html = answers({ title: 'Hi', message: '<img src=x onerror=alert(1)>', 'creator.email': 'a@b.example' });
    const body = mapTicket(html, PINNED);
    expect(body.isHtml).toBe(false);
    expect(body.message).toBe('<img src=x onerror=alert(1)>');
  });

  it('produces a body that matches the shared CreateTicketBody schema', () => {
    expect(v.safeParse(CreateTicketBody, mapTicket(seed, PINNED)).success).toBe(true);
  });

  it('sends null for absent pinned values and blank or absent creator fields, and leaves a blank sentiment out', () => {
    const minimal = answers({ title: 'T', message: 'M', sentiment: '', 'creator.name': '  ', 'creator.email': 'a@b.example', 'creator.phoneNumber': '+47 22 33 44 55' });
    const body = mapTicket(minimal, { sourceName: 'Website ticket widget', categoryId: null, assigneeId: null, tags: [] });
    expect(body).toMatchObject({ categoryId: null, assigneeId: null, tags: [] });
    expect(body.creator).toEqual({ name: null, email: 'a@b.example', customIdentifier: null, image: null, phoneNumber: '+47 22 33 44 55' });
    expect(body).not.toHaveProperty('sentiment');
  });

  it('takes pinned values from the config even if the values carry their own', () => {
    // The form's schema refuses these paths; this checks the mapper itself never reads them.
    const forged = { ...seed, values: { ...seed.values, sourceName: 'evil', assigneeId: 'x', tags: 'vip', isHtml: 'true', cc: 'spy@evil.example', 'creator.image': 'https://evil.example' } };
    const body = mapTicket(forged, PINNED);
    expect(body).toMatchObject({ sourceName: 'Shop contact form', assigneeId: PINNED.assigneeId, tags: ['web'], isHtml: false, cc: [] });
    expect(body.creator.image).toBeNull();
  });

  it("sends the checked answers: custom fields as given, and the visitor's category over the pinned one", () => {
    const customFields = [{ id: 42623, value: 'Oslo' }, { id: 42635, value: 'Financing,Insurance' }];
    const chosen = answers({ ...seed.values, categoryId: '15601' }, customFields);
    expect(mapTicket(chosen, PINNED)).toMatchObject({ customFields, categoryId: 15601 });
    expect(mapTicket(answers(seed.values, customFields), PINNED).categoryId).toBe(15597);
  });

  it('never sends a sentiment Socialboards does not know, even in values that skipped the check', () => {
    expect(mapTicket({ ...seed, values: { ...seed.values, sentiment: 'furious' } }, PINNED)).not.toHaveProperty('sentiment');
  });

  it('copies the pinned tags, so a later change to the body cannot alter the config', () => {
    const body = mapTicket(seed, PINNED);
    body.tags.push('changed');
    expect(PINNED.tags).toEqual(['web']);
  });
});
