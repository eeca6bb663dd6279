/**
 * The ticket mapping, by property (fast-check): for any checked answers and any pinned
 * configuration, Socialboards gets plain text, the operator's pinned fields and never a
 * visitor's, and every value exactly as validated.
 */
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_FIELDS, SENTIMENTS } from '../../src/shared/built-in-fields';
import { CreateTicketBody } from '../../src/shared/create-ticket';
import { checkValues, createFormSchema, fromTicketFields } from '../../src/shared/field-values';
import type { FieldValues } from '../../src/shared/field-values';
import { CATEGORY_PATH } from '../../src/shared/form-definition';
import type { FormField } from '../../src/shared/form-definition';
import { TicketRequest } from '../../src/shared/ticket-request';
import { mapTicket } from '../../src/relay/map-ticket';
import type { PinnedTicketFields } from '../../src/relay/map-ticket';

const text = fc.string({ unit: 'grapheme', maxLength: 60 });
const optionalText = fc.option(text, { nil: undefined });

const CATEGORIES = [15597, 15601, 15721];
const FIELDS: FormField[] = [
  ...BUILT_IN_FIELDS,
  { path: CATEGORY_PATH, control: 'choice', required: false, choices: CATEGORIES.map((id) => ({ value: String(id) })) },
];
const FORM_SCHEMA = createFormSchema(FIELDS);

/** A valid request, as the shape and the built-in fields' schema give it: any visitor text that passes them. */
const request = fc
  .record({
    title: text.map((title) => `T${title}`),
    message: text.map((message) => `M${message}`),
    sentiment: fc.option(fc.constantFrom(...SENTIMENTS), { nil: undefined }),
    creator: fc.record({
      name: optionalText,
      // The default policy requires an email.
      email: fc.stringMatching(/^[\w+-]{1,20}(\.[\w+-]{1,10})?@[a-z\d]{1,10}\.[a-z]{2,6}$/),
      phoneNumber: fc.option(fc.stringMatching(/^\+?\d{5,15}$/), { nil: undefined }),
    }),
    categoryId: fc.option(fc.constantFrom(...CATEGORIES), { nil: undefined }),
  })
  .map((input) => v.safeParse(TicketRequest, JSON.parse(JSON.stringify(input)) as unknown))
  .filter((result) => result.success)
  .map((result) => fromTicketFields(result.output, FIELDS))
  .map((values) => (values.ok ? checkValues(FORM_SCHEMA, values.value) : values))
  .filter((result) => result.ok)
  .map((result) => (result as { value: FieldValues }).value);

const pinned: fc.Arbitrary<PinnedTicketFields> = fc.record({
  sourceName: text,
  categoryId: fc.option(fc.integer({ min: 1 }), { nil: null }),
  assigneeId: fc.option(fc.uuid(), { nil: null }),
  tags: fc.array(text, { maxLength: 4 }),
});

const customFields = fc.array(fc.record({ id: fc.integer({ min: 1 }), value: text }), { maxLength: 5 });

/** A checked value, or null when blank or absent (what Create Ticket gets for it). */
const given = (values: FieldValues, path: string) => {
  const value = values[path];
  return typeof value === 'string' && value !== '' ? value : null;
};

const attachments = fc.array(fc.record({ url: fc.webUrl(), name: text }), { maxLength: 3 });

/** What a forger would add to a request, were the shape not to refuse it: every pinned field and more. */
const forged = fc.record(
  {
    isHtml: fc.constant(true),
    sourceName: text,
    categoryId: fc.integer({ min: 1 }),
    assigneeId: fc.uuid(),
    tags: fc.array(text),
    cc: fc.array(fc.emailAddress()),
    customFields: fc.array(fc.record({ id: fc.integer({ min: 1 }), value: text })),
    attachments: fc.array(fc.record({ url: fc.webUrl(), name: text })),
    creator: fc.record({ customIdentifier: text, image: fc.webUrl() }),
  },
  { requiredKeys: [] },
);

const RUNS = { numRuns: 500 };

describe('mapTicket, for any request, configuration and answers', () => {
  it('sends plain text (isHtml false), a body of the documented shape, carried exactly', () => {
    fc.assert(
      fc.property(request, pinned, customFields, attachments, (values, pin, custom, files) => {
        const body = mapTicket({ values, customFields: custom }, pin, files);
        expect(body.isHtml).toBe(false);
        expect(v.safeParse(CreateTicketBody, body).success).toBe(true);
        expect(body.title).toBe(values.title);
        expect(body.message).toBe(values.message);
        expect(body.sentiment ?? null).toBe(given(values, 'sentiment'));
        expect(body.creator).toEqual({
          name: given(values, 'creator.name'),
          email: given(values, 'creator.email'),
          phoneNumber: given(values, 'creator.phoneNumber'),
          customIdentifier: null,
          image: null,
        });
        expect(body.customFields).toEqual(custom);
        expect(body.attachments).toEqual(files);
        const category = given(values, CATEGORY_PATH);
        expect(body.categoryId).toBe(category === null ? pin.categoryId : Number(category));
        // What travels is what was mapped: JSON carries every string unchanged.
        expect(JSON.parse(JSON.stringify(body))).toEqual(body);
      }),
      RUNS,
    );
  });

  it('takes the pinned fields from the configuration, never from the values, even ones forged past the check', () => {
    fc.assert(
      fc.property(request, forged, pinned, (values, extra, pin) => {
        // Every forged key as a value path, the way a value map would carry it.
        const { creator, ...rest } = extra;
        const paths = Object.entries({ ...rest, ...Object.fromEntries(Object.entries(creator ?? {}).map(([key, value]) => [`creator.${key}`, value])) });
        const tampered = { ...values, ...Object.fromEntries(paths.map(([path, value]) => [path, JSON.stringify(value)])) };
        // `categoryId` is the picker's own path: a visitor's choice there is checked, not forged.
        delete tampered[CATEGORY_PATH];
        const body = mapTicket({ values: tampered, customFields: [] }, pin);
        expect(body).toMatchObject({
          isHtml: false,
          sourceName: pin.sourceName,
          categoryId: pin.categoryId,
          assigneeId: pin.assigneeId,
          tags: pin.tags,
          cc: [],
          customFields: [],
          attachments: [],
          creator: { customIdentifier: null, image: null },
        });
      }),
      RUNS,
    );
  });

  it('the request shape refuses each pinned field a visitor might send', () => {
    const shaped = fc.record({ title: text, message: text, creator: fc.record({ email: fc.emailAddress() }) });
    fc.assert(
      fc.property(shaped, forged, (req, extra) => {
        // Custom fields, attachments and the category (the picker's choice) are the visitor's to send,
        // checked against the form elsewhere; the rest are not.
        const { customFields: _custom, attachments: _files, categoryId: _category, ...pinnedOnly } = extra;
        fc.pre(Object.keys(pinnedOnly).length > 0);
        const tampered = { ...req, ...pinnedOnly, creator: { ...req.creator, ...pinnedOnly.creator } };
        return !v.safeParse(TicketRequest, tampered).success;
      }),
      RUNS,
    );
  });
});
