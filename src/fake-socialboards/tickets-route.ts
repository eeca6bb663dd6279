/** `POST /tickets` (Create Ticket, docs/socialboards-api.md §4): judges the body and stores the ticket. */
import type { Context } from 'hono';
import { CATEGORIES, CUSTOM_FIELDS } from './definitions';
import { FAKE_ERROR_CODES, failure, success } from './envelope';
import { fetchAttachments } from './fetch-attachments';
import type { FetchOptions } from './fetch-attachments';
import type { FakeState } from './state';
import { createTicketBodySchema, judgeTicketBody } from './ticket-body';

/**
 * Builds the Create Ticket handler, judging bodies against the fake's custom fields and categories.
 * A ticket's attachment URLs are fetched before it is answered; the ticket is created whatever they
 * give (ASSUMED lenient: whether Socialboards refuses a ticket whose file it cannot fetch is UNKNOWN).
 */
export function createTicketRoute(state: FakeState, now: () => number, fetching: FetchOptions) {
  const schema = createTicketBodySchema(CUSTOM_FIELDS, CATEGORIES);
  return async (c: Context) => {
    // The docs say only "serialized to JSON" (§1). ASSUMED: like most JSON APIs, another type is refused with 415.
    if (!/^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? '')) {
      return c.json(failure(FAKE_ERROR_CODES.unsupportedMediaType, 'Content-Type must be application/json'), 415);
    }
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return c.json(failure(FAKE_ERROR_CODES.validation, 'body: is not valid JSON'), 400);
    }
    const verdict = judgeTicketBody(schema, body);
    if (!verdict.ok) return c.json(failure(FAKE_ERROR_CODES.validation, verdict.errorText), 400);

    const attachments = verdict.body.attachments ?? [];
    const fetched = attachments.length === 0 ? undefined : await fetchAttachments(attachments, fetching);
    const id = state.nextTicketId++;
    state.tickets.push({
      id,
      receivedAt: new Date(now()).toISOString(),
      // Documented default: "By default is true" (§4).
      isHtml: verdict.body.isHtml ?? true,
      body,
      ...(fetched === undefined ? {} : { attachmentsFetched: fetched }),
    });
    return c.json(success(id));
  };
}
