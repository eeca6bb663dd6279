/** Maps a validated widget request to Socialboards' Create Ticket body, adding what the site owner pins. */
import type { CreateTicketBody } from '../shared/create-ticket';
import type { TicketRequest } from '../shared/ticket-request';
import type { FormAnswers } from './form/form-answers';

/** Fields the site owner chooses in the relay's config; a visitor can never set them. */
export interface PinnedTicketFields {
  sourceName: string;
  categoryId: number | null;
  assigneeId: string | null;
  tags: readonly string[];
}

/** No custom fields and no category choice: what a request without them maps with. */
const NO_ANSWERS: Pick<FormAnswers, 'customFields' | 'categoryId'> = { customFields: [], categoryId: undefined };

/**
 * Builds the Create Ticket body (docs/socialboards-api.md §4). `answers` were checked against the
 * form: custom fields already in their upstream format, and a category the operator offered,
 * which wins over the pinned one. `attachments` are the request's references, already turned
 * into the stored files' public URLs and safe names (never anything the visitor wrote).
 */
export function mapTicket(
  request: TicketRequest,
  pinned: PinnedTicketFields,
  answers: Pick<FormAnswers, 'customFields' | 'categoryId'> = NO_ANSWERS,
  attachments: CreateTicketBody['attachments'] = [],
): CreateTicketBody {
  return {
    title: request.title,
    message: request.message,
    // Socialboards renders `message` as HTML unless told otherwise (§4: "Default is true"), so a
    // visitor's `<img onerror=…>` would render in agents' inboxes. Plain text, always.
    isHtml: false,
    ...(request.sentiment === undefined ? {} : { sentiment: request.sentiment }),
    sourceName: pinned.sourceName,
    categoryId: answers.categoryId ?? pinned.categoryId,
    assigneeId: pinned.assigneeId,
    tags: [...pinned.tags],
    cc: [],
    creator: {
      name: request.creator.name ?? null,
      email: request.creator.email ?? null,
      customIdentifier: null,
      image: null,
      phoneNumber: request.creator.phoneNumber ?? null,
    },
    customFields: answers.customFields.map(({ id, value }) => ({ id, value })),
    attachments: attachments.map(({ url, name }) => ({ url, name })),
  };
}
