/** `POST /tickets`: a widget request, checked and pinned, becomes a Socialboards ticket. */
import { Hono } from 'hono';
import type { Context, MiddlewareHandler } from 'hono';
import type { CreateTicketBody } from '../../shared/create-ticket';
import type { TicketCreated } from '../../shared/relay-contract';
import { fail, ok } from '../../shared/result';
import { toTicketFields } from '../../shared/field-values';
import { TicketRequest } from '../../shared/ticket-request';
import { attachFiles } from '../attachments/ticket-attachments';
import type { TicketAttachments } from '../attachments/ticket-attachments';
import { errorResponse } from '../error-response';
import { jsonAnswer } from '../json-answer';
import { fingerprint } from '../fingerprint';
import { checkFormAnswers } from '../form/form-answers';
import type { FormAnswers } from '../form/form-answers';
import type { FormSource } from '../form/form-source';
import { verifyIdentity } from '../identity/identity-middleware';
import type { VerifyIdentity } from '../identity/verify-identity';
import type { Logger } from '../log';
import { mapTicket, withSubmissionKey } from '../map-ticket';
import type { PinnedTicketFields } from '../map-ticket';
import { bodyLimit } from '../middleware/body-limit';
import { idempotency, settlementOf } from '../middleware/idempotency';
import { checkLimits, originKey, rateLimited } from '../middleware/rate-limit';
import { concurrencyLimit } from '../middleware/concurrency-limit';
import type { RateLimiter } from '../limits/rate-limits';
import { jsonBody } from '../middleware/json-body';
import { requireJson } from '../middleware/require-json';
import type { OutboxStore, StagedTicket } from '../outbox/outbox-store';
import { queuedBody } from '../outbox/queued-answer';
import type { IdempotencyStore } from '../stores/idempotency-store';
import type { SocialboardsClient } from '../upstream/socialboards-client';
import { failure } from '../upstream/upstream-result';
import type { UpstreamFailure, UpstreamResult } from '../upstream/upstream-result';
import { judgeTicketRequest } from '../validate-ticket';
import type { TicketsEnv } from './tickets-env';
import type { Challenge } from '../spam/challenge';
import { screenSubmission, verifyChallenge } from '../spam/spam-checks';
import type { SpamConfig } from '../spam/spam-config';

export interface TicketsRouteOptions {
  pinned: PinnedTicketFields;
  maxBodyBytes: number;
  client: SocialboardsClient;
  store: IdempotencyStore;
  /**
   * RELAY_SUBMISSION_KEY_FIELD: the custom field every ticket carries its Idempotency-Key in, and
   * how long after an ambiguous attempt the relay waits before looking for its ticket there. Null:
   * an unresolved key is never retried.
   */
  submissionKey: { fieldId: number; checkDelayMs: number } | null;
  /**
   * Where a ticket goes when Socialboards fails transiently (RELAY_OUTBOX): it is answered `202
   * queued` and delivered later. It is staged there before the first attempt, for `holdMs` (longer
   * than a request can take), so that a relay dying mid-request loses nothing. Undefined: the
   * failure is the answer, as it was before the outbox.
   */
  outbox: { store: OutboxStore; holdMs: number } | undefined;
  /** How long a duplicate waits for the request holding its key. */
  maxWaitMs: number;
  /** Tickets worked on at once past their body's checks, and how long the next waits its turn (RELAY_TICKET_*); undefined: no bound. */
  concurrency: { max: number; queueMs: number } | undefined;
  now: () => number;
  form: FormSource;
  /** Undefined when the relay takes no attachments (RELAY_ATTACHMENTS=off). */
  attachments: TicketAttachments | undefined;
  /** New tickets per client and per origin. */
  limits: { perClient: RateLimiter; perOrigin: RateLimiter };
  /** Signed identity tokens: how to verify one, whether one is required, the tag for verified tickets. */
  identity: { verify: VerifyIdentity; required: boolean; tag: string | null };
  spam: SpamConfig;
  /** The configured challenge; null when none. */
  challenge: Challenge | null;
  log: Logger;
}

/**
 * The order matters: cheap header checks, then the size cap before reading, then the body's
 * shape, the bound on tickets worked on at once (a request waits its turn with its body read, so a
 * stalled body never holds a place, and one of the wrong shape never waits), the spam screen, the identity token and every field's value against the form (so invalid
 * requests never touch the idempotency store, and the fingerprint covers the ticket as it will be
 * made), then the key reservation, then the challenge (after the key, so a replay of a ticket
 * that used a token is answered from the store; docs/spam.md), then the ticket limits (after the key, so a
 * retry or replay of one submission never counts twice), then the attachments (after the key, so
 * a replay of a ticket that took them is answered from the store instead of being refused for
 * reusing them), and only then the upstream call.
 */
export function ticketsRoute(options: TicketsRouteOptions): Hono<TicketsEnv> {
  const { pinned, maxBodyBytes, client, store, outbox, submissionKey, maxWaitMs, concurrency, now, form, attachments, limits, identity, spam, challenge, log } = options;
  const verifiedPinned = identity.tag === null ? pinned : { ...pinned, tags: [...pinned.tags, identity.tag] };
  const { minFillMs, requireVerification } = spam;
  const takeTurn: MiddlewareHandler<TicketsEnv> = concurrency === undefined ? (_c, next) => next() : concurrencyLimit<TicketsEnv>({ ...concurrency, log });
  return new Hono<TicketsEnv>().post(
    '/tickets',
    requireJson(),
    bodyLimit({ maxBytes: maxBodyBytes }),
    jsonBody(TicketRequest, { judge: judgeTicketRequest({ attachments: attachments !== undefined }) }),
    // The request as the next steps see it (the identity middleware takes the token out of it);
    // past here a ticket costs the relay's work and memory until Socialboards answers: only so
    // many at once, the rest waiting their turn.
    (c, next) => {
      c.set('ticketRequest', c.req.valid('json'));
      return takeTurn(c, next);
    },
    screenSubmission({ minFillMs, requireVerification, challengeRequired: challenge !== null, log }),
    verifyIdentity({ verify: identity.verify, required: identity.required, log }),
    checkAgainstFormDefinition(form),
    // The same content sent as a verified and as an anonymous ticket is not the same ticket.
    idempotency<TicketsEnv>({
      store,
      fingerprint: (c) => fingerprint(ticketContent(c.get('ticketRequest'), c.get('formAnswers'), c.get('identity') !== undefined)),
      resolvesUncertain: submissionKey !== null,
      // A ticket its relay died sending is in the outbox, whose worker delivers it: that is the answer.
      ...(outbox === undefined
        ? {}
        : {
            answerUnresolved: async (c, key) => {
              const entry = await outbox.store.get(key).catch(() => undefined);
              return entry === undefined ? undefined : jsonAnswer(c, queuedBody(entry.reference), 202);
            },
          }),
      maxWaitMs,
      now,
      log,
    }),
    challenge === null ? (_c, next) => next() : verifyChallenge({ challenge, log }),
    async (c) => {
      // A refusal releases the key (it is not a final answer), so the visitor may send it later.
      const allowance = await checkLimits(c, limits);
      if (!allowance.ok) {
        return rateLimited(c, allowance.error.retryAfterSeconds, 'Too many tickets were sent from your address or website; try again later.');
      }
      const answer = await createTicket(c);
      // Only a ticket that exists, or may, counts: a retry after a failure is the same submission again.
      if (settlementOf(c, answer) === 'release') {
        await Promise.all([limits.perClient.refund(c.get('client').key, 1), limits.perOrigin.refund(originKey(c), 1)]);
      }
      return answer;
    },
  );

  async function createTicket(c: Context<TicketsEnv>): Promise<Response> {
    const request = c.get('ticketRequest');
    const idempotencyKey = c.get('idempotencyKey');
    const files = await attachFiles(attachments, request.attachments ?? [], idempotencyKey);
    if (!files.ok) return errorResponse(c, 'validation', files.error);
    const answers = c.get('formAnswers');
    const mapped = mapTicket(answers, c.get('identity') === undefined ? pinned : verifiedPinned, files.value.links);
    const body = submissionKey === null ? mapped : withSubmissionKey(mapped, submissionKey.fieldId, idempotencyKey);
    const ticket = { key: idempotencyKey, fingerprint: c.get('keyClaim').fingerprint, body, redact: answers.redact, files: files.value.keys };
    // Not awaited here: the key's mark as sending is asked for in the same turn, so both share one
    // commit (SQLite's group commit), and `sendOnce` waits for both before anything goes out.
    const staging = outbox === undefined ? Promise.resolve(false) : stage(outbox, ticket);
    // Whatever happens upstream, even a throw, decides whether the files stay attached.
    let result: UpstreamResult<number> | undefined;
    let reference: string | undefined;
    try {
      result = await sendOnce(c, body, answers.redact, staging);
      if (!result.ok && outbox !== undefined && isTransient(result.error)) reference = await queue(outbox.store, ticket, result.error);
      // Created, found, or refused for good: nothing left for the outbox to do.
      else if (outbox !== undefined && (await staging)) {
        const discarded = outbox.store.discard(idempotencyKey).catch((error: unknown) => {
          log.warn('outbox could not discard a staged ticket; a worker finds it settled later', { idempotencyKey, reason: String(error) });
        });
        // A ticket that exists settles its key for good: the discard goes with that, awaited by the
        // idempotency middleware with the settlement, so on SQLite both share a commit when nothing
        // in between waits (attachments' settling does). Whichever lands first, a worker that finds
        // the staged copy of a settled key does not send it (deliver-ticket.ts). A refusal releases
        // the key, which a worker could take: its discard is committed first, as before.
        if (result.ok || result.error.code === 'upstream_unconfirmed') c.set('settleWith', discarded);
        else await discarded;
      }
    } finally {
      // The ticket's outcome is the answer. A storage failure here must not turn a created ticket
      // into a 500: the key would be released, and the widget's retry would create it again.
      await files.value.settle(reference === undefined ? result : 'queued').catch((error: unknown) => {
        log.error('attachments could not be settled; they stay reserved until the lease lapses (a created ticket then loses its links)', {
          idempotencyKey,
          ...(result?.ok === true ? { ticketId: result.value } : {}),
          stack: error instanceof Error ? error.stack : String(error),
        });
      });
    }
    if (reference !== undefined) {
      c.set('queued', true);
      return jsonAnswer(c, queuedBody(reference), 202);
    }
    if (!result.ok) {
      const { code, retryAfter, outcomeUnknown } = result.error;
      if (outcomeUnknown) c.set('outcomeUnknown', true);
      return errorResponse(c, code, retryAfter === undefined ? {} : { headers: { 'Retry-After': retryAfter } });
    }
    c.set('ticketId', result.value);
    const created: TicketCreated = { ticketId: result.value };
    return jsonAnswer(c, created, 201);
  }

  /**
   * Writes the ticket ahead into the outbox before its attempt; false when the store failed (the
   * attempt goes ahead as without an outbox: a crash mid-request then leaves the key unresolved).
   */
  async function stage(into: { store: OutboxStore; holdMs: number }, ticket: StagedTicket): Promise<boolean> {
    try {
      await into.store.stage(ticket, into.holdMs);
      return true;
    } catch (error) {
      log.error('outbox could not stage the ticket; sending it without', { idempotencyKey: ticket.key, reason: String(error) });
      return false;
    }
  }

  /**
   * Stores the ticket in the outbox; its reference, or undefined when the outbox failed (then the
   * visitor gets the upstream failure, as without an outbox, and the key is settled by it).
   */
  async function queue(into: OutboxStore, ticket: StagedTicket, failure: UpstreamFailure): Promise<string | undefined> {
    try {
      const reference = await into.enqueue({ ...ticket, lastError: failure.code, ambiguous: failure.outcomeUnknown === true });
      log.info('ticket queued in the outbox; the worker delivers it', { reference, idempotencyKey: ticket.key, reason: failure.code });
      return reference;
    } catch (error) {
      log.error('outbox could not store the ticket; answering the upstream failure', { idempotencyKey: ticket.key, reason: String(error) });
      return undefined;
    }
  }

  /**
   * Creates the ticket unless an earlier attempt with the same key may have done so: then it first
   * looks for that ticket by its submission key, and sends only when Socialboards has none. Sends
   * only once the ticket's `staging` in the outbox has settled.
   */
  async function sendOnce(c: Context<TicketsEnv>, body: CreateTicketBody, redact: readonly string[], staging: Promise<boolean>): Promise<UpstreamResult<number>> {
    const { key, uncertainSince, markSending } = c.get('keyClaim');
    if (uncertainSince !== undefined && submissionKey !== null) {
      const earlier = await findEarlierTicket(key, uncertainSince, submissionKey);
      if (!earlier.ok) return earlier;
      if (earlier.value !== undefined) return ok(earlier.value);
    }
    // Another request took the key over (this one stalled past its lease): it sends, this one must
    // not. The write-ahead copy in the outbox is committed (or failed) before the call, as the mark is.
    const [held] = await Promise.all([markSending(), staging]);
    if (!held) return failure('upstream_busy', '1');
    return client.createTicket(body, { redact, idempotencyKey: key });
  }

  /**
   * The ticket an earlier, ambiguous attempt created, if Socialboards has it. Socialboards may still
   * be creating it when a retry arrives, so the lookup waits until as long after that attempt as
   * the relay waits for any answer. A failed lookup leaves the question open (`outcomeUnknown`).
   */
  async function findEarlierTicket(
    key: string,
    since: number,
    { fieldId, checkDelayMs }: { fieldId: number; checkDelayMs: number },
  ): Promise<UpstreamResult<number | undefined>> {
    const wait = since + checkDelayMs - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const found = await client.findTicketsByField(fieldId, key, { idempotencyKey: key });
    if (!found.ok) return fail({ ...found.error, outcomeUnknown: true });
    const [first, ...more] = found.value;
    if (first === undefined) {
      log.info('no ticket carries the submission key of an unresolved attempt; sending it', { idempotencyKey: key });
      return ok(undefined);
    }
    log.info('found the ticket an unresolved attempt created; not sending it again', { idempotencyKey: key, ticketId: first });
    // Duplicates from before the relay held keys (or another tool): the oldest is the answer, an operator merges.
    if (more.length > 0) log.warn('several tickets carry one submission key', { idempotencyKey: key, ticketIds: found.value });
    return ok(first);
  }
}

/**
 * Failures the outbox waits out: Socialboards down, slow, busy or breaker open, or asking the relay
 * to slow down. A refusal (`upstream_rejected`) would be refused again, and `upstream_unconfirmed`
 * means it took the ticket: neither is queued. (ASSUMED, docs/socialboards-api.md §3 and §10.)
 */
const isTransient = ({ code }: UpstreamFailure) =>
  code === 'upstream_unavailable' || code === 'upstream_timeout' || code === 'upstream_busy' || code === 'rate_limited';

/**
 * Every field — built-in and custom, and the category — checked against the form the widget was
 * given, with the verified identity in its place (its name and email, and the signed fields).
 * Without a form (Socialboards down and no copy yet) nothing is forwarded: values could not be
 * checked or formatted, and required fields could not be enforced.
 */
const checkAgainstFormDefinition = (form: FormSource): MiddlewareHandler<TicketsEnv> => async (c, next) => {
  const served = await form.get();
  if (!served.ok) return errorResponse(c, 'upstream_unavailable');
  const checked = checkFormAnswers(c.get('ticketRequest'), c.get('identity'), served.value);
  if (!checked.ok) {
    const { code, ...answer } = checked.error;
    return errorResponse(c, code, answer);
  }
  c.set('formAnswers', checked.value);
  await next();
};

/**
 * What one submission's Idempotency-Key stands for: the ticket as it will be made (its checked
 * fields, blanks left out, its attachments and whether it is verified), not `verification` (a
 * press of Send after a refusal carries a new fill time and token, yet is the same ticket) nor
 * how the values were typed.
 */
const ticketContent = (request: TicketRequest, answers: FormAnswers, verified: boolean) => ({
  ...toTicketFields(answers.values),
  attachments: request.attachments ?? [],
  ...(verified ? { verified: true } : {}),
});
