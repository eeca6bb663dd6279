/** `POST /tickets/list` (List Tickets, docs/socialboards-api.md §4): the ticket log, filtered and paged as documented. */
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import * as v from 'valibot';
import type { Category } from './definitions';
import { FAKE_ERROR_CODES, failure, readJsonBody, success } from './envelope';
import type { FakeState, StoredTicket } from './state';
import type { AcceptedTicketBody } from './ticket-body';

/** The documented default page (§4). */
const DEFAULT_TAKE = 25;
/** ASSUMED: the docs' table says at most 50, their example asks for 100 (§4, UNKNOWN which holds); the fake takes up to 100. */
const MAX_TAKE = 100;
/** The one Ticket List Order By value the docs show (§6.6); the full list is UNKNOWN. */
const ORDER_BY = ['last_thread_activity_desc'] as const;

const keyMessage = (issue: v.StrictObjectIssue) => (issue.expected === 'never' ? 'is not a documented filter' : 'is required');
const integer = v.pipe(v.number('must be an integer'), v.integer('must be an integer'));
/** ISO 8601 with an offset, as in the doc example (`2020-02-27T12:28:02.6019432+01:00`); `Z` counts as one. */
const isoTime = v.pipe(
  v.string('must be a string'),
  v.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, 'must be an ISO 8601 time with an offset'),
  v.transform((text) => Date.parse(text.replace(/(\.\d{3})\d+/, '$1'))),
  v.check((time) => Number.isFinite(time), 'must be an ISO 8601 time with an offset'),
);

/** The filters of the documented table, all optional; unknown ones refused (ASSUMED strict, as for Create Ticket). */
const ListFilter = v.pipe(
  v.custom<Record<string, unknown>>((input) => typeof input === 'object' && input !== null && !Array.isArray(input), 'must be an object'),
  v.strictObject(
    {
      ticketIds: v.optional(v.array(integer, 'must be an array of integers')),
      categoryId: v.optional(v.nullable(integer)),
      customFields: v.optional(
        v.array(v.strictObject({ key: integer, value: v.string('must be a string') }, keyMessage), 'must be an array of {key, value}'),
      ),
      from: v.optional(isoTime),
      to: v.optional(isoTime),
      status: v.optional(v.string('must be a string')),
      source: v.optional(v.string('must be a string')),
      orderBy: v.optional(v.picklist(ORDER_BY, `must be one of ${ORDER_BY.join(', ')}`)),
      skip: v.optional(v.pipe(integer, v.minValue(0, 'must be at least 0')), 0),
      take: v.optional(v.pipe(integer, v.minValue(1, 'must be at least 1'), v.maxValue(MAX_TAKE, `must be at most ${MAX_TAKE}`)), DEFAULT_TAKE),
    },
    keyMessage,
  ),
);
type ListFilter = v.InferOutput<typeof ListFilter>;

/** A GUID that stays the same for the same person, for a Ticket's `author.id` (§5.7). */
const guidOf = (text: string) => {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/**
 * A stored ticket as a Ticket object (§5.7): the documented keys, filled from what was sent. Every
 * ticket is `open`, from source `web` / `web_website`, without replies (ASSUMED: the fake has no
 * Inbox to change them).
 */
function toTicket(ticket: StoredTicket, categories: ReadonlyMap<number, Category>) {
  // Stored only after the Create Ticket schema accepted it (tickets-route.ts).
  const body = ticket.body as AcceptedTicketBody;
  const { creator } = body;
  const attachments = body.attachments ?? [];
  return {
    id: ticket.id,
    title: body.title,
    message: body.message,
    htmlMessage: `<div class="sb-html-message">${ticket.isHtml ? body.message : escapeHtml(body.message)}</div>`,
    author: {
      id: guidOf(creator.email ?? creator.name ?? ''),
      name: creator.name ?? null,
      email: creator.email ?? null,
      customIdentifier: creator.customIdentifier ?? null,
      image: creator.image ?? null,
      isBot: false,
      status: 'client',
    },
    category: body.categoryId == null ? null : (categories.get(body.categoryId) ?? null),
    creationTime: ticket.receivedAt,
    lastThreadElementCreationTime: ticket.receivedAt,
    // "Custom Field Id with Value" (§5.3): ASSUMED `{id, value}`, as Create Ticket takes them.
    customFields: (body.customFields ?? []).map(({ id, value }) => ({ id, value })),
    lockedBy: null,
    originalLink: null,
    properties: { isSpam: false, isHidden: false, hasAttachments: attachments.length > 0, isSensitive: false },
    replyCount: 0,
    isMuted: false,
    sentiment: body.sentiment ?? null,
    source: 'web',
    detailedSource: 'web_website',
    sourceName: body.sourceName ?? null,
    status: 'open',
    tags: body.tags ?? [],
    attachments: attachments.map(({ url, name }) => ({ isContentPart: false, name, url })),
  };
}
type Ticket = ReturnType<typeof toTicket>;

/** Whether a ticket passes every filter given: all of them must hold, and all of its custom field pairs. */
function matches(ticket: Ticket, filter: ListFilter): boolean {
  const created = Date.parse(ticket.creationTime);
  return (
    (filter.ticketIds === undefined || filter.ticketIds.includes(ticket.id)) &&
    (filter.categoryId === undefined || (ticket.category?.id ?? null) === filter.categoryId) &&
    (filter.customFields ?? []).every(({ key, value }) => ticket.customFields.some((field) => field.id === key && field.value === value)) &&
    (filter.from === undefined || created >= filter.from) &&
    (filter.to === undefined || created <= filter.to) &&
    (filter.status === undefined || ticket.status === filter.status) &&
    (filter.source === undefined || ticket.source === filter.source)
  );
}

const pathOf = (issue: v.BaseIssue<unknown>) =>
  (issue.path ?? []).reduce((path, item) => (typeof item.key === 'number' ? `${path}[${item.key}]` : `${path}${path ? '.' : ''}${String(item.key)}`), '') || 'body';

/**
 * Builds the List Tickets handler. Tickets come newest first (ASSUMED: the order without `orderBy`
 * is UNKNOWN; `last_thread_activity_desc` is the same here, as no ticket has replies), then
 * `skip` and `take` page them. A refused body is a 400 naming every bad filter, like Create Ticket's.
 */
export function createListTicketsRoute(state: FakeState, categories: readonly Category[]) {
  const categoryById = new Map(categories.map((category) => [category.id, category]));
  return async (c: Context) => {
    const read = await readJsonBody(c);
    if (!read.ok) return read.response;
    const { body } = read;
    const filter = v.safeParse(ListFilter, body);
    if (!filter.success) {
      return c.json(failure(FAKE_ERROR_CODES.validation, filter.issues.map((issue) => `${pathOf(issue)}: ${issue.message}`).join('; ')), 400);
    }
    const { skip, take } = filter.output;
    const found = state.tickets
      .map((ticket) => toTicket(ticket, categoryById))
      .filter((ticket) => matches(ticket, filter.output))
      .reverse();
    return c.json(success(found.slice(skip, skip + take)));
  };
}
