/**
 * The submission policy: what pressing Send does. It waits for the form definition and for uploads
 * in flight, checks every field, obtains the challenge's token, writes the submission to the
 * outbox, sends with one idempotency key per content (a retry of the same content reuses it,
 * edited content gets a new one), and turns the relay's refusals into messages under fields and
 * references to upload again. It also delivers what the outbox still holds.
 */
import { signal } from '@preact/signals-core';
import { toTicketFields } from '../shared/field-values';
import type { FormChallenge } from '../shared/form-definition';
import type { TicketAccepted } from '../shared/relay-contract';
import type { FormModel } from './form-model';
import { newIdempotencyKey } from './idempotency-key';
import { dueEntries, putEntry, removeEntry, type Outbox } from './outbox';
import type { RelayCallErrorCode } from './relay-call';
import type { AltchaSolution, SolveAltcha } from './solve-altcha';
import type { Submit, SubmitResult } from './submit-ticket';

export type Status =
  | { kind: 'idle' }
  | { kind: 'sending'; retry: number }
  /** The relay took it: a ticket exists (`ticketId`), or the relay queued it for Socialboards (`queued`, `reference`). */
  | { kind: 'sent'; ticket: TicketAccepted }
  /** The relay could not be reached: the message waits in this browser's outbox, to be sent when it can. */
  | { kind: 'queued' }
  /**
   * `retryAfterMs`: how long the relay asked us to wait, when longer than the submitter waits by
   * itself. `correct`: the visitor has fields to correct (focus goes to the first).
   */
  | { kind: 'failed'; code: RelayCallErrorCode; retryAfterMs?: number; correct?: true };

/** A provider's widget on screen (Turnstile, hCaptcha) fills this in: its current token, and a reset for a new one. */
export interface ChallengeSlot {
  token?: () => string | undefined;
  reset?: () => void;
}

export interface SubmissionOptions {
  model: FormModel;
  submit: Submit;
  /** Settles when the form definition in flight has arrived (or failed). */
  loaded: () => Promise<unknown>;
  /** Solves ALTCHA when the relay asks for it. */
  solveAltcha?: SolveAltcha;
  report: (problem: string) => void;
  /** The clock for the fill time, the ALTCHA expiry and the outbox. */
  now?: () => number;
  /** Where submissions wait for the relay's final answer; none: nothing is kept on the device. */
  outbox?: Outbox;
  /**
   * An outbox entry was delivered (`ticket`) or refused (undefined: `status` says why, when the
   * refused message came back into the form). `live`: the message this form is showing as queued.
   */
  delivered?: (ticket: TicketAccepted | undefined, live: boolean) => void;
}

/**
 * Failures that say the relay could not be reached or could not finish, once the retries gave up,
 * or that the widget went away mid-send: the message waits in the outbox. Anything else is an
 * answer to act on, and ends its entry.
 */
const WAITS = /^(network|timeout|aborted|internal|upstream_(unavailable|timeout|busy))$/;


export function createSubmission({ model, submit, loaded, solveAltcha, report, now = Date.now, outbox, delivered }: SubmissionOptions) {
  const status = signal<Status>({ kind: 'idle' });
  const challengeSlot: ChallengeSlot = {};
  let last: { body: string; key: string } | undefined;
  /** When the visitor was shown this (empty) form: the fill time counts from here (docs/spam.md). */
  let shownAt = now();
  /** An ALTCHA solution worked out while the visitor types, so Send does not wait for it. */
  let presolved: Promise<AltchaSolution | undefined> | undefined;

  const challenge = (): FormChallenge | null | undefined => model.definition.peek().challenge;

  /** The visitor started typing: work out an ALTCHA solution now, if the relay asks for one. */
  function warmUp(signal?: AbortSignal) {
    const asked = challenge();
    if (asked?.provider === 'altcha') presolved ??= solveAltcha?.(asked.path, signal);
  }

  /** One key per content: a retry of the same ticket reuses it, so the relay can return the first result. */
  function keyFor(body: string): string {
    if (last?.body !== body) last = { body, key: newIdempotencyKey() };
    return last.key;
  }

  /** The challenge's token or solution when the relay asks for one; a failure code when there is none to send. */
  async function challengeToken(signal?: AbortSignal): Promise<{ token?: string; code?: RelayCallErrorCode }> {
    const asked = challenge();
    if (!asked) return {};
    if (asked.provider !== 'altcha') {
      const token = challengeSlot.token?.();
      return token ? { token } : { code: 'challenge_required' };
    }
    let solved = await presolved;
    presolved = undefined;
    // A solution that failed, or that would expire on the way, is worked out again now.
    if (!solved?.ok || solved.value.expiresAt - now() < 30_000) solved = await solveAltcha?.(asked.path, signal);
    if (solved?.ok) return { token: solved.value.payload };
    if (solved?.error.code === 'challenge_required') report('ALTCHA needs Web Crypto: serve the page over HTTPS');
    return { code: solved?.error.code ?? 'challenge_required' };
  }

  /**
   * Checks everything, writes the submission to the outbox and sends it. Resolves with what the
   * relay accepted, or undefined when it did not go through (`status` says why: queued in the
   * outbox, or failed). `trap` is the honeypot's value, read from the page at the moment of sending.
   */
  async function send(signal?: AbortSignal, trap = ''): Promise<TicketAccepted | undefined> {
    if (status.value.kind === 'sending') return undefined;
    status.value = { kind: 'sending', retry: 0 };
    // The definition says which fields there are: wait for it if it is on its way, and for attachments still uploading.
    await loaded();
    const files = await model.attachments.settled();
    const checked = model.checkForSend();
    if (!checked.ok || !files) {
      status.value = { kind: 'failed', code: 'validation', correct: true };
      return undefined;
    }
    const token = await challengeToken(signal);
    if (token.code) {
      status.value = { kind: 'failed', code: token.code };
      return undefined;
    }
    const request = { ...toTicketFields(checked.value), attachments: files.length ? files : undefined };
    // Not part of the key: a second press after a refusal is the same ticket with a new fill time and token.
    const key = keyFor(JSON.stringify(request));
    const verification = { fillMs: Math.max(0, Math.round(now() - shownAt)), trap, challenge: token.token };
    const body = { ...request, verification };
    // Written ahead of the first attempt: a closed tab or a crash mid-send loses nothing.
    const kept = outbox && putEntry(outbox, { key, body: JSON.stringify(body), at: now(), values: checked.value, files: model.attachments.uploaded() });
    const result = await submit(body, key, signal);
    // A used or refused token cannot be sent again: the provider's widget makes a new one.
    if (token.token) challengeSlot.reset?.();
    return settle(result, key, kept);
  }

  /**
   * The relay's answer to the submission under `key`: a success, a wait in the outbox (`kept`: it
   * is there; an abort, when the widget was unmounted, leaves it for the next visit), or a refusal
   * shown under the fields. The outbox entry goes with any final answer.
   */
  function settle(result: SubmitResult, key: string, kept?: boolean): TicketAccepted | undefined {
    if (result.ok) {
      if (outbox) removeEntry(outbox, key);
      status.value = { kind: 'sent', ticket: result.value };
      return result.value;
    }
    const { code, retryAfterMs, fields } = result.error;
    if (kept && WAITS.test(code)) {
      status.value = { kind: 'queued' };
      return undefined;
    }
    if (outbox) removeEntry(outbox, key);
    if (!fields) {
      status.value = { kind: 'failed', code, retryAfterMs };
      return undefined;
    }
    // A refused reference expired, or another submission took it: that file is to upload again.
    model.attachments.expire(fields.flatMap(({ path }) => (/^attachments\.\d+$/.test(path) ? [Number(path.slice(12))] : [])));
    // A refused field the visitor cannot see (prefill-only, or unknown to this form) is the
    // integrator's to fix: name it on the console, and do not ask the visitor to correct it.
    const hidden = model.refuse(fields);
    for (const { path, code: why } of hidden) report(`the relay refused ${path} (${why})`);
    status.value = hidden.length === fields.length ? { kind: 'failed', code: 'bad_response' } : { kind: 'failed', code, correct: true };
    return undefined;
  }

  let delivering = false;

  /**
   * Sends what the outbox holds, each with its own key, stopping at the first that still cannot
   * reach the relay. The message this form shows as queued is settled as if just sent. One from an
   * earlier visit that the relay refuses comes back into the form to be corrected (a refusal
   * created nothing, so sending it again needs no old key), when nothing is typed there yet; else
   * it waits for a visit where nothing is.
   */
  async function deliver(signal?: AbortSignal) {
    if (delivering || !outbox) return;
    delivering = true;
    for (const { key, body, values, files } of dueEntries(outbox, now())) {
      const live = key === last?.key;
      // A send in flight settles its own entry.
      if (live && status.peek().kind !== 'queued') continue;
      const result = await submit(JSON.parse(body), key, signal);
      if (!result.ok && WAITS.test(result.error.code)) break;
      if (live) delivered?.(settle(result, key), true);
      else if (result.ok) {
        removeEntry(outbox, key);
        delivered?.(result.value, false);
      } else if (!Object.keys(model.typed.peek()).length) {
        // Refused (a file expired, a challenge went stale, the form changed): back into the untouched form.
        model.restore(values);
        model.attachments.restore(files);
        delivered?.(settle(result, key), false);
      }
    }
    delivering = false;
  }

  /** Called by the submitter before each automatic retry. */
  function retrying(retry: number) {
    if (status.value.kind === 'sending') status.value = { kind: 'sending', retry };
  }

  /** Back to a fresh form after a ticket was sent. */
  function reset() {
    model.reset();
    status.value = { kind: 'idle' };
    last = undefined;
    shownAt = now();
  }

  return { status, challengeSlot, warmUp, send, deliver, retrying, reset };
}
