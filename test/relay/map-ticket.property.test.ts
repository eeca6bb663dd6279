/**
 * The ticket mapping, by property (fast-check): for any valid request, any pinned configuration and
 * any checked answers, Socialboards gets plain text, the operator's pinned fields and never a
 * visitor's, and every value exactly as validated.
 */
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { CreateTicketBody } from '../../src/shared/create-ticket';
import { SENTIMENTS, TicketRequest } from '../../src/shared/ticket-request';
import { mapTicket } from '../../src/relay/map-ticket';
import type { PinnedTicketFields } from '../../src/relay/map-ticket';

const text = fc.string({ unit: 'grapheme', maxLength: 60 });
const optionalText = fc.option(text, { nil: undefined });

/** A valid request, as the schema gives it: any visitor text that passes it. */
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
  })
  .map((input) => v.safeParse(TicketRequest, JSON.parse(JSON.stringify(input)) as unknown))
  .filter((result) => result.success)
  .map((result) => result.output as TicketRequest);

const pinned: fc.Arbitrary<PinnedTicketFields> = fc.record({
  sourceName: text,
  categoryId: fc.option(fc.integer({ min: 1 }), { nil: null }),
  assigneeId: fc.option(fc.uuid(), { nil: null }),
  tags: fc.array(text, { maxLength: 4 }),
});

const answers = fc.record({
  customFields: fc.array(fc.record({ id: fc.integer({ min: 1 }), value: text }), { maxLength: 5 }),
  categoryId: fc.option(fc.integer({ min: 1 }), { nil: undefined }),
});

const attachments = fc.array(fc.record({ url: fc.webUrl(), name: text }), { maxLength: 3 });

/** What a forger would add to a request, were the schema not to refuse it: every pinned field and more. */
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
      fc.property(request, pinned, answers, attachments, (req, pin, ans, files) => {
        const body = mapTicket(req, pin, ans, files);
        expect(body.isHtml).toBe(false);
        expect(v.safeParse(CreateTicketBody, body).success).toBe(true);
        expect(body.title).toBe(req.title);
        expect(body.message).toBe(req.message);
        expect(body.sentiment).toBe(req.sentiment);
        expect(body.creator).toEqual({
          name: req.creator.name ?? null,
          email: req.creator.email ?? null,
          phoneNumber: req.creator.phoneNumber ?? null,
          customIdentifier: null,
          image: null,
        });
        expect(body.customFields).toEqual(ans.customFields);
        expect(body.attachments).toEqual(files);
        expect(body.categoryId).toBe(ans.categoryId ?? pin.categoryId);
        // What travels is what was mapped: JSON carries every string unchanged.
        expect(JSON.parse(JSON.stringify(body))).toEqual(body);
      }),
      RUNS,
    );
  });

  it('takes the pinned fields from the configuration, never from the request, even one forged past the schema', () => {
    fc.assert(
      fc.property(request, forged, pinned, (req, extra, pin) => {
        const tampered = { ...req, ...extra, creator: { ...req.creator, ...extra.creator } } as unknown as TicketRequest;
        const body = mapTicket(tampered, pin);
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

  it('the schema refuses each pinned field a visitor might send', () => {
    fc.assert(
      fc.property(request, forged, (req, extra) => {
        // Custom fields and attachments are the visitor's to send (checked elsewhere); the rest are not.
        const { customFields: _custom, attachments: _files, ...pinnedOnly } = extra;
        fc.pre(Object.keys(pinnedOnly).length > 0);
        const tampered = { ...req, ...pinnedOnly, creator: { ...req.creator, ...pinnedOnly.creator } };
        return !v.safeParse(TicketRequest, tampered).success;
      }),
      RUNS,
    );
  });
});
