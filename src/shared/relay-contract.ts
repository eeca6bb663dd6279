/** The relay's answers to the widget: success and error bodies, and the stable error codes. */
import * as v from 'valibot';
import type { FieldIssue } from './field-issues';

/** Why the relay refused or failed a request. Stable: integrators may switch on them. */
export const RELAY_ERROR_CODES = [
  'validation',
  'idempotency_key_missing',
  'idempotency_conflict',
  'payload_too_large',
  'unsupported_media_type',
  'origin_not_allowed',
  'identity_required',
  'identity_invalid',
  'rate_limited',
  'spam_suspected',
  'challenge_required',
  'challenge_failed',
  'upstream_unavailable',
  'upstream_timeout',
  'upstream_rejected',
  'upstream_unconfirmed',
  'upstream_busy',
  'submission_unresolved',
  'not_found',
  'internal',
] as const;
export type RelayErrorCode = (typeof RELAY_ERROR_CODES)[number];

/** `201` body of `POST /tickets`: the id Socialboards gave the new ticket. */
export const TicketCreated = v.object({ ticketId: v.pipe(v.number(), v.integer()) });
export type TicketCreated = v.InferOutput<typeof TicketCreated>;

/**
 * `202` body of `POST /tickets`: the relay could not reach Socialboards in time, stored the ticket
 * durably and will deliver it (issue 9, the relay's outbox). A success for the visitor: the message
 * is received and will reach the team. `reference` is opaque, for the visitor to quote.
 */
export const TicketQueued = v.object({ queued: v.literal(true), reference: v.string() });
export type TicketQueued = v.InferOutput<typeof TicketQueued>;

/** What a successful `POST /tickets` gives the widget, and what `onSubmitted` and the `submitted` event carry. */
export type TicketAccepted = TicketCreated | TicketQueued;

/** Body of every relay error: a code to act on, an English message for integrators, and for validation the fields. */
export const RelayError = v.object({
  error: v.object({
    code: v.string(),
    message: v.string(),
    fields: v.optional(
      v.array(v.object({ path: v.string(), code: v.string(), limit: v.optional(v.number()), message: v.string() })),
    ),
  }),
});
export type RelayError = v.InferOutput<typeof RelayError>;

/** A field issue as the relay sends it: with its English message. */
export type RelayFieldError = FieldIssue & { message: string };

/** Set on an answer the relay replayed from its idempotency store. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** The header that makes a submission idempotent. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** Keys are opaque: 16–128 URL-safe characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\w-]{16,128}$/;
