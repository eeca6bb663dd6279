/** The relay's error answers: one table from stable code to HTTP status and safe English message. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { RelayError, RelayErrorCode, RelayFieldError } from '../shared/relay-contract';
import { jsonAnswer } from './json-answer';
import type { RelayEnv } from './relay-env';

/**
 * Status and default message per code. Messages are ours, never Socialboards' `errorText`,
 * so nothing upstream says (or leaks) reaches a browser.
 */
export const RELAY_ERRORS: Record<RelayErrorCode, { status: ContentfulStatusCode; message: string }> = {
  validation: { status: 400, message: 'The request has invalid fields.' },
  idempotency_key_missing: {
    status: 400,
    message: 'Send an Idempotency-Key header of 16 to 128 letters, digits, "-" or "_", the same on every retry.',
  },
  idempotency_conflict: {
    status: 422,
    message: 'This Idempotency-Key was already used for a different request; use a new key for a new ticket.',
  },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Send the request body as JSON (Content-Type: application/json).' },
  origin_not_allowed: { status: 403, message: 'This website is not allowed to use this relay.' },
  // The default texts; the identity check answers with a message naming the check that failed.
  identity_required: { status: 401, message: 'This relay accepts only tickets with a signed identity token (the top-level "identity").' },
  identity_invalid: { status: 401, message: 'The identity token could not be verified.' },
  rate_limited: { status: 429, message: 'The help desk is receiving too many requests; try again shortly.' },
  // Spam defence (docs/spam.md): one code for the honeypot and the fill time, so a bot learns nothing.
  spam_suspected: { status: 400, message: 'The form was filled in a way people do not; check it and send it again.' },
  challenge_required: { status: 400, message: 'Send the solved challenge in verification.challenge (GET /form names the provider).' },
  challenge_failed: { status: 403, message: 'The challenge was not solved, has expired or was already used; solve a new one.' },
  upstream_unavailable: { status: 502, message: 'The help desk could not be reached; try again shortly.' },
  upstream_timeout: {
    status: 504,
    message: 'The help desk did not answer in time; try again with the same Idempotency-Key.',
  },
  upstream_rejected: { status: 502, message: 'The help desk refused the ticket.' },
  // Socialboards accepted the ticket (a 2xx) but its answer has no ticket id. Stored under the
  // Idempotency-Key like a success, and never retried by the widget.
  upstream_unconfirmed: {
    status: 502,
    message: 'The help desk probably created the ticket, but its answer could not be read; do not send it again.',
  },
  // The relay holds back: too many calls to Socialboards are running; nothing was sent.
  upstream_busy: { status: 503, message: 'The help desk is busy; try again in a few seconds with the same Idempotency-Key.' },
  // An earlier attempt with this key may have created the ticket and nobody can tell yet (no
  // RELAY_SUBMISSION_KEY_FIELD to look it up by): the relay will not send it again on its own.
  submission_unresolved: {
    status: 409,
    message: 'An earlier attempt with this Idempotency-Key may have created the ticket, which cannot be confirmed yet; it is not sent again. Do not send it with a new key.',
  },
  not_found: { status: 404, message: 'There is nothing at this address.' },
  internal: { status: 500, message: 'The relay failed unexpectedly.' },
};

export interface ErrorOptions {
  message?: string;
  fields?: RelayFieldError[];
  headers?: Record<string, string>;
}

/** Answers with the error body for `code`, and records the code for the request log. */
export function errorResponse<E extends RelayEnv>(c: Context<E>, code: RelayErrorCode, options: ErrorOptions = {}): Response {
  const { status, message } = RELAY_ERRORS[code];
  const body: RelayError = {
    error: {
      code,
      message: options.message ?? message,
      ...(options.fields === undefined ? {} : { fields: options.fields }),
    },
  };
  c.set('errorCode', code);
  return jsonAnswer(c, body, status, options.headers);
}
