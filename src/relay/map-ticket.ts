/** Maps a request's checked answers to Socialboards' Create Ticket body, adding what the site owner pins. */
import { isSentiment } from '../shared/built-in-fields';
import type { CreateTicketBody } from '../shared/create-ticket';
import { toTicketFields } from '../shared/field-values';
import type { FormAnswers } from './form/form-answers';

/** Fields the site owner chooses in the relay's config; a visitor can never set them. */
export interface PinnedTicketFields {
  sourceName: string;
  categoryId: number | null;
  assigneeId: string | null;
  tags: readonly string[];
}

/**
 * Builds the Create Ticket body (docs/socialboards-api.md §4) from `answers`, checked against the
 * form: built-in values cleaned and trimmed, custom fields already in their upstream format, and a
 * category the operator offered, which wins over the pinned one. Only the paths of the form's
 * fields are read, so nothing else a value map might hold reaches Socialboards. `attachments` are
 * the request's references, already turned into the stored files' public URLs and safe names
 * (never anything the visitor wrote).
 */
export function mapTicket(
  answers: Pick<FormAnswers, 'values' | 'customFields'>,
  pinned: PinnedTicketFields,
  attachments: CreateTicketBody['attachments'] = [],
): CreateTicketBody {
  // Built-in fields go where their path says (Create Ticket's own names), custom ones below.
  const { title, message, sentiment, creator, categoryId, customFields: _listed, ...more } = toTicketFields(answers.values);
  return {
    ...more,
    // Title and message are always asked and required (ALWAYS_ASKED): checked answers have both.
    title: title ?? '',
    message: message ?? '',
    // Socialboards renders `message` as HTML unless told otherwise (§4: "Default is true"), so a
    // visitor's `<img onerror=…>` would render in agents' inboxes. Plain text, always.
    isHtml: false,
    ...(isSentiment(sentiment) ? { sentiment } : {}),
    sourceName: pinned.sourceName,
    categoryId: categoryId ?? pinned.categoryId,
    assigneeId: pinned.assigneeId,
    tags: [...pinned.tags],
    cc: [],
    // Every documented creator key, null unless a built-in field filled it.
    creator: { name: null, email: null, customIdentifier: null, image: null, phoneNumber: null, ...creator },
    customFields: answers.customFields.map(({ id, value }) => ({ id, value })),
    attachments: attachments.map(({ url, name }) => ({ url, name })),
  };
}

/**
 * The body with the submission's Idempotency-Key in the operator's submission key field
 * (RELAY_SUBMISSION_KEY_FIELD), by which the relay finds the ticket again after an ambiguous
 * failure. Visitors can never set that field: the form config may not offer it (config.ts).
 */
export const withSubmissionKey = (body: CreateTicketBody, fieldId: number, idempotencyKey: string): CreateTicketBody => ({
  ...body,
  customFields: [...body.customFields, { id: fieldId, value: idempotencyKey }],
});
