/**
 * Socialboards' side of the contract: the Create Ticket body, the response envelope and the
 * token answer, as documented (docs/socialboards-api.md §2–§4).
 */
import * as v from 'valibot';
import { SENTIMENTS } from './built-in-fields';

/** `POST /tickets` body. Optional fields are the ones the relay may leave out. */
export const CreateTicketBody = v.object({
  title: v.string(),
  message: v.string(),
  // Socialboards renders the message as HTML unless told otherwise (its default is true).
  isHtml: v.boolean(),
  sentiment: v.optional(v.picklist(SENTIMENTS)),
  sourceName: v.optional(v.string()),
  categoryId: v.nullable(v.number()),
  assigneeId: v.nullable(v.string()),
  tags: v.array(v.string()),
  cc: v.array(v.string()),
  creator: v.object({
    name: v.nullable(v.string()),
    email: v.nullable(v.string()),
    customIdentifier: v.nullable(v.string()),
    image: v.nullable(v.string()),
    phoneNumber: v.nullable(v.string()),
  }),
  customFields: v.array(v.object({ id: v.number(), value: v.string() })),
  attachments: v.array(v.object({ url: v.string(), name: v.string() })),
});
export type CreateTicketBody = v.InferOutput<typeof CreateTicketBody>;

/** Every resource answer: `{data, errorCode, errorText}`; success is `errorCode === -1` (ASSUMED, §3). */
export const Envelope = v.object({
  data: v.unknown(),
  errorCode: v.number(),
  errorText: v.nullish(v.string()),
});
export type Envelope = v.InferOutput<typeof Envelope>;

/** The success code seen in every documented example. */
export const ENVELOPE_OK = -1;

/** `POST /token` answer (OAuth-style, not enveloped). */
export const TokenResponse = v.object({
  access_token: v.pipe(v.string(), v.nonEmpty()),
  token_type: v.string(),
  expires_in: v.pipe(v.number(), v.minValue(1)),
  refresh_token: v.optional(v.string()),
});
export type TokenResponse = v.InferOutput<typeof TokenResponse>;
