/**
 * The submission policy: what pressing Send does. It waits for the form definition and for uploads
 * in flight, checks every field, obtains the challenge's token, sends with one idempotency key per
 * content (a retry of the same content reuses it, edited content gets a new one), and turns the
 * relay's refusals into messages under fields and references to upload again.
 */
import { signal } from '@preact/signals-core';
import { toTicketFields } from '../shared/field-values';
import type { FormChallenge } from '../shared/form-definition';
import type { FormModel } from './form-model';
import { newIdempotencyKey } from './idempotency-key';
import type { RelayCallErrorCode } from './relay-call';
import type { AltchaSolution, SolveAltcha } from './solve-altcha';
import type { Submit } from './submit-ticket';

export type Status =
  | { kind: 'idle' }
  | { kind: 'sending'; retry: number }
  | { kind: 'sent'; ticketId: number }
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
  /** The clock for the fill time and the ALTCHA expiry. */
  now?: () => number;
}


export function createSubmission({ model, submit, loaded, solveAltcha, report, now = Date.now }: SubmissionOptions) {
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
   * Checks everything and sends. Resolves with the ticket id, or undefined when it did not go
   * through (`status` says why). `trap` is the honeypot's value, read from the page at the moment of sending.
   */
  async function send(signal?: AbortSignal, trap = ''): Promise<number | undefined> {
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
    const request = { ...toTicketFields(checked.value), ...(files.length ? { attachments: files } : {}) };
    // Not part of the key: a second press after a refusal is the same ticket with a new fill time and token.
    const key = keyFor(JSON.stringify(request));
    const verification = { fillMs: Math.max(0, Math.round(now() - shownAt)), trap, ...(token.token ? { challenge: token.token } : {}) };
    const result = await submit({ ...request, verification }, key, signal);
    // A used or refused token cannot be sent again: the provider's widget makes a new one.
    if (token.token) challengeSlot.reset?.();
    if (result.ok) {
      status.value = { kind: 'sent', ticketId: result.value };
      return result.value;
    }
    const { code, retryAfterMs, fields } = result.error;
    if (!fields) {
      status.value = retryAfterMs === undefined ? { kind: 'failed', code } : { kind: 'failed', code, retryAfterMs };
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

  return { status, challengeSlot, warmUp, send, retrying, reset };
}
