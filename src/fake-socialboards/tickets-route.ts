/** `POST /tickets` (Create Ticket, docs/socialboards-api.md §4): judges the body and stores the ticket. */
import type { Context } from 'hono';
import { CATEGORIES, CUSTOM_FIELDS } from './definitions';
import { FAKE_ERROR_CODES, failure, readJsonBody, success } from './envelope';
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
    const read = await readJsonBody(c);
    if (!read.ok) return read.response;
    const { body } = read;
    const verdict = judgeTicketBody(schema, body);
    if (!verdict.ok) return c.json(failure(FAKE_ERROR_CODES.validation, verdict.errorText), 400);

    const attachments = verdict.body.attachments ?? [];
    const fetched = attachments.length === 0 ? undefined : await fetchAttachments(attachments, fetching);
    const id = state.nextTicketId++;
    state.addTicket({
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
