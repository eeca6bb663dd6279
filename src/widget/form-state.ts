/**
 * The form's state as observable cells: what the visitor typed (built-in fields, custom fields, category),
 * the form definition, the messages under each field and the sending status, with validation by
 * the shared schemas.
 */
import * as v from 'valibot';
import { checkAgainstForm, listCustomFields, type CustomValue, type CustomValues } from '../shared/custom-fields';
import { toFieldIssues, type FieldIssue } from '../shared/field-issues';
import type { FormDefinition } from '../shared/form-definition';
import type { AltchaSolution, SolveAltcha } from '../submitter/solve-altcha';
import { createTicketRequestSchema, type Sentiment, type TicketPolicy, type TicketRequest } from '../shared/ticket-request';
import { newIdempotencyKey } from '../submitter/idempotency-key';
import type { LoadForm } from '../submitter/load-form';
import type { Upload } from '../submitter/upload-attachment';
import { createAttachments } from './attachments-state';
import { createCells } from './observable';
import type { Submit, SubmitErrorCode } from '../submitter/submit-ticket';

export interface FormValues {
  title: string;
  message: string;
  sentiment: Sentiment | '';
  name: string;
  email: string;
  phoneNumber: string;
}
export type FieldName = keyof FormValues;

/** Where each built-in field lives in the request (and so in the relay's error paths). */
export const FIELD_PATHS: Record<FieldName, string> = {
  title: 'title',
  message: 'message',
  sentiment: 'sentiment',
  name: 'creator.name',
  email: 'creator.email',
  phoneNumber: 'creator.phoneNumber',
};

/** Path of a custom field's value, as the relay reports it. */
export const customPath = (id: number | string) => `customFields.${id}`;
export const CATEGORY_PATH = 'categoryId';
/** Where a problem with the attachments is shown (the relay reports `attachments.<index>`). */
export const ATTACHMENTS_PATH = 'attachments';

/** Values an integrator sets from the page: built-in fields by name, custom fields by id. */
export interface Prefill extends Partial<Record<FieldName, string>> {
  categoryId?: number | string;
  fields?: Record<string, CustomValue>;
}

const EMPTY: FormValues = { title: '', message: '', sentiment: '', name: '', email: '', phoneNumber: '' };

export type Status =
  | { kind: 'idle' }
  | { kind: 'sending'; retry: number }
  | { kind: 'sent'; ticketId: number }
  /** `retryAfterMs`: how long the relay asked us to wait, when longer than the submitter waits by itself. */
  | { kind: 'failed'; code: SubmitErrorCode; retryAfterMs?: number };

export type FormLoad = { kind: 'loading' } | { kind: 'ready'; form: FormDefinition } | { kind: 'failed' };

export interface FormStateOptions {
  policy: TicketPolicy;
  submit: Submit;
  loadForm: LoadForm;
  upload: Upload;
  /** Lock prefilled fields: all of them (`true`) or those named (`email`, a field id). */
  lockFields?: boolean | readonly string[];
  /** Reports an integration problem (a prefill the form cannot take) to the console. */
  report: (problem: string) => void;
  /** Solves ALTCHA when the relay asks for it. */
  solveAltcha?: SolveAltcha;
  /** The clock for the fill time. */
  now?: () => number;
}

/** A provider's widget on screen (Turnstile, hCaptcha) fills this in: its current token, and a reset for a new one. */
export interface ChallengeSlot {
  token?: () => string | undefined;
  reset?: () => void;
}

export type FormState = ReturnType<typeof createFormState>;

/** Creates one form's state. The form never sees HTTP: it is given `submit` and `loadForm`. */
export function createFormState({ policy, submit, loadForm, upload, lockFields, report, solveAltcha, now = Date.now }: FormStateOptions) {
  const schema = createTicketRequestSchema(policy);
  const { cell, subscribe } = createCells();
  const values = cell<FormValues>(EMPTY);
  const custom = cell<CustomValues>({});
  const category = cell('');
  const errors = cell<Record<string, FieldIssue>>({});
  const status = cell<Status>({ kind: 'idle' });
  const form = cell<FormLoad>({ kind: 'loading' });
  /** Paths shown read-only because the integrator filled them. */
  const locked = cell<ReadonlySet<string>>(new Set());
  /** Bumped whenever focus should go to the first invalid field. */
  const focusRequest = cell(0);
  let prefilled: Prefill = {};
  let last: { body: string; key: string } | undefined;
  let loading: Promise<unknown> = Promise.resolve();
  /** When the visitor was shown this (empty) form: the fill time counts from here (docs/spam.md). */
  let shownAt = now();
  const challengeSlot: ChallengeSlot = {};
  /** An ALTCHA solution worked out while the visitor types, so Send does not wait for it. */
  let presolved: Promise<AltchaSolution> | undefined;
  let alive: AbortSignal | undefined;

  const definition = () => (form.value.kind === 'ready' ? form.value.form : undefined);
  const attachments = createAttachments(cell, upload, () => definition()?.attachments);

  /** Whether a path has a control on screen to show its message under. */
  const shown = (path: string) =>
    Object.values(FIELD_PATHS).includes(path) ||
    (path === ATTACHMENTS_PATH && Boolean(definition()?.attachments)) ||
    (path === CATEGORY_PATH && Boolean(definition()?.categories)) ||
    Boolean(definition()?.fields.some((field) => !field.prefillOnly && customPath(field.id) === path));

  /** The request as the schemas read it, before trimming. */
  function input(files?: string[]) {
    const { title, message, sentiment, name, email, phoneNumber } = values.value;
    const customFields = listCustomFields(custom.value);
    return {
      attachments: files?.length ? files : undefined,
      title,
      message,
      sentiment: sentiment || undefined,
      creator: { name, email, phoneNumber },
      customFields: customFields.length ? customFields : undefined,
      categoryId: category.value ? Number(category.value) : undefined,
    };
  }

  /** Every problem by path, and the request when there are none. */
  function check(files?: string[]): { request?: TicketRequest; issues: Record<string, FieldIssue> } {
    const request = input(files);
    const result = v.safeParse(schema, request);
    // Custom values are checked against their own definitions below, by id rather than by index.
    const issues = result.success ? [] : toFieldIssues(result.issues).filter((issue) => !issue.path.startsWith('customFields'));
    const loaded = definition();
    if (loaded) issues.push(...checkAgainstForm(loaded, custom.value, request.categoryId));
    const byPath: Record<string, FieldIssue> = {};
    for (const issue of issues) byPath[issue.path] ??= issue;
    return result.success && !issues.length ? { request: result.output, issues: byPath } : { issues: byPath };
  }

  /** Shows (or clears) the message under one field: used when the visitor leaves it, and while it is wrong. */
  function validateField(path: string) {
    const issue = check().issues[path];
    const next = { ...errors.value };
    if (issue) next[path] = issue;
    else delete next[path];
    errors.value = next;
  }

  /** Sets one value by its path: a built-in field, `customFields.<id>` or `categoryId`. */
  function set(path: string, value: CustomValue) {
    if (locked.value.has(path)) return;
    const challenge = definition()?.challenge;
    if (challenge?.provider === 'altcha') presolved ??= solveAltcha?.(challenge.path, alive);
    const field = (Object.keys(FIELD_PATHS) as FieldName[]).find((name) => FIELD_PATHS[name] === path);
    if (field) values.value = { ...values.value, [field]: value };
    else if (path === CATEGORY_PATH) category.value = String(value);
    else custom.value = { ...custom.value, [path.slice(13)]: value };
    if (errors.value[path]) validateField(path);
  }

  /** The value shown for a path. */
  function get(path: string): CustomValue {
    const field = (Object.keys(FIELD_PATHS) as FieldName[]).find((name) => FIELD_PATHS[name] === path);
    if (field) return values.value[field];
    if (path === CATEGORY_PATH) return category.value;
    return custom.value[path.slice(13)] ?? '';
  }

  /**
   * Puts defaults, what the visitor typed (unless `fresh`) and the integrator's values `given`
   * into the form, in that order of strength, and locks what `lockFields` names. Values given
   * earlier are in the form already, and stay as the visitor may have edited them.
   */
  function applyPrefill(fresh = false, given: Prefill = prefilled) {
    const loaded = definition();
    const known = (id: string) => !loaded || loaded.fields.some((field) => String(field.id) === id);
    const next: CustomValues = {};
    for (const field of loaded?.fields ?? []) {
      if (field.defaultValue !== undefined) next[field.id] = field.control === 'multichoice' ? [field.defaultValue] : field.defaultValue;
    }
    if (!fresh) for (const [id, value] of Object.entries(custom.value)) if (known(id)) next[id] = value;
    const lock = new Set<string>();
    const lockable = (path: string, name: string) => {
      // An untyped page may name ids as numbers (parseOptions accepts them).
      if (lockFields === true || (Array.isArray(lockFields) && lockFields.map(String).includes(name))) lock.add(path);
    };
    const { fields = {}, categoryId, ...builtIn } = prefilled;
    for (const [id, value] of Object.entries(fields)) {
      if (!known(id)) {
        report(`prefill names custom field ${id}, which this form does not have; it was ignored`);
        // Forgotten, so it is reported once and never sent.
        delete fields[id];
        continue;
      }
      // A multichoice field prefilled with one string (as data-field-<id> gives) takes it as one choice.
      const multiple = loaded?.fields.some((field) => String(field.id) === id && field.control === 'multichoice');
      if (given.fields?.[id] !== undefined) next[id] = multiple && typeof value === 'string' ? [value] : value;
      lockable(customPath(id), id);
    }
    custom.value = next;
    const { fields: _, categoryId: givenCategory, ...givenBuiltIn } = given;
    values.value = { ...values.value, ...givenBuiltIn } as FormValues;
    for (const name of Object.keys(builtIn) as FieldName[]) lockable(FIELD_PATHS[name], name);
    if (givenCategory !== undefined) category.value = String(givenCategory);
    if (categoryId !== undefined) lockable(CATEGORY_PATH, CATEGORY_PATH);
    locked.value = lock;
    if (!loaded) return;
    // Prefilled values are validated like typed ones: shown under visible fields, reported for hidden ones.
    const { issues } = check();
    const shown: Record<string, FieldIssue> = {};
    for (const [id] of Object.entries(fields)) {
      const issue = issues[customPath(id)];
      if (!issue) continue;
      if (loaded.fields.find((field) => String(field.id) === id)?.prefillOnly) {
        report(`prefill for hidden field ${id} is not valid (${issue.code}); it was ignored`);
        // The visitor cannot correct a field they do not see: send without it rather than never.
        // (`next` is custom.value; nothing on screen shows this field, so nothing re-renders.)
        delete fields[id];
        delete next[id];
      } else shown[customPath(id)] = issue;
    }
    for (const name of Object.keys(builtIn) as FieldName[]) {
      const issue = issues[FIELD_PATHS[name]];
      if (issue) shown[FIELD_PATHS[name]] = issue;
    }
    if (categoryId !== undefined && issues[CATEGORY_PATH]) {
      if (loaded.categories) shown[CATEGORY_PATH] = issues[CATEGORY_PATH];
      else {
        // No picker to show it under: like a hidden field, reported and sent without.
        report(`prefill sets categoryId, but this form offers no categories; it was ignored`);
        delete prefilled.categoryId;
        category.value = '';
      }
    }
    errors.value = { ...errors.value, ...shown };
    // A locked field whose prefilled value is wrong could never be fixed: unlock it.
    locked.value = new Set([...locked.value].filter((path) => !shown[path]));
  }

  /** Sets values from the page; may be called before or after the form definition arrives. */
  function prefill(raw: Prefill) {
    // A page may hand over numbers or booleans: the form holds text (a list of texts for multiple
    // choice). Anything else (null, an object) is reported and left out rather than break the form.
    const clean = (entries: object) =>
      Object.fromEntries(
        Object.entries(entries).flatMap(([name, value]: [string, unknown]) => {
          const text = Array.isArray(value) ? value.map(String) : typeof value === 'object' || value === undefined ? undefined : String(value);
          if (text === undefined) report(`prefill for ${name} must be text`);
          return text === undefined ? [] : [[name, text]];
        }),
      );
    const { fields = {}, categoryId, ...builtIn } = raw;
    const values: Prefill = { ...clean(builtIn), fields: clean(fields) };
    if (categoryId !== undefined) values.categoryId = categoryId;
    prefilled = { ...prefilled, ...values, fields: { ...prefilled.fields, ...values.fields } };
    applyPrefill(false, values);
  }

  /** Loads (or reloads) the form definition. */
  function load(signal?: AbortSignal) {
    alive = signal;
    form.value = { kind: 'loading' };
    loading = loadForm(signal).then((result) => {
      if (signal?.aborted) return;
      form.value = result.ok ? { kind: 'ready', form: result.form } : { kind: 'failed' };
      if (result.ok) applyPrefill(false, {});
    });
    return loading;
  }

  /**
   * One key per submission: a retry of the same content reuses it (so the relay can return the
   * first result), while edited content is a new submission with a new key.
   */
  function keyFor(body: string): string {
    if (last?.body !== body) last = { body, key: newIdempotencyKey() };
    return last.key;
  }

  /** The challenge's token or solution when the relay asks for one; a failure code when there is none to send. */
  async function challengeToken(signal?: AbortSignal): Promise<{ token?: string; code?: SubmitErrorCode }> {
    const challenge = definition()?.challenge;
    if (!challenge) return {};
    if (challenge.provider !== 'altcha') {
      const token = challengeSlot.token?.();
      return token ? { token } : { code: 'challenge_required' };
    }
    let solved = await presolved;
    presolved = undefined;
    // A solution that failed, or that would expire on the way, is worked out again now.
    if (!solved?.ok || solved.expiresAt - now() < 30_000) solved = await solveAltcha?.(challenge.path, signal);
    if (solved?.ok === false && solved.code === 'challenge_required') report('ALTCHA needs Web Crypto: serve the page over HTTPS');
    return solved?.ok ? { token: solved.payload } : { code: solved?.code ?? 'challenge_required' };
  }

  /**
   * Validates everything and sends. Resolves with the ticket id, or undefined when it did not go through.
   * `trap` is the honeypot's value, read from the page at the moment of sending.
   */
  async function send(signal?: AbortSignal, trap = ''): Promise<number | undefined> {
    if (status.value.kind === 'sending') return undefined;
    status.value = { kind: 'sending', retry: 0 };
    // The definition says which custom fields are required: wait for it if it is on its way,
    // and for attachments still uploading.
    await loading;
    const files = await attachments.settled();
    const { request, issues } = check(files);
    if (!files) issues[ATTACHMENTS_PATH] = { path: ATTACHMENTS_PATH, code: 'invalid' };
    errors.value = issues;
    if (!request || !files) {
      status.value = { kind: 'failed', code: 'validation' };
      focusRequest.value++;
      return undefined;
    }
    const challenge = await challengeToken(signal);
    if (challenge.code) {
      status.value = { kind: 'failed', code: challenge.code };
      return undefined;
    }
    // Not part of the key: a second press after a refusal is the same ticket with a new fill time and token.
    const key = keyFor(JSON.stringify(request));
    const verification = { fillMs: Math.max(0, Math.round(now() - shownAt)), trap, ...(challenge.token ? { challenge: challenge.token } : {}) };
    const result = await submit({ ...request, verification }, key, signal);
    // A used or refused token cannot be sent again: the provider's widget makes a new one.
    if (challenge.token) challengeSlot.reset?.();
    if (result.ok) {
      status.value = { kind: 'sent', ticketId: result.ticketId };
      return result.ticketId;
    }
    status.value = result.retryAfterMs === undefined ? { kind: 'failed', code: result.code } : { kind: 'failed', code: result.code, retryAfterMs: result.retryAfterMs };
    if (result.fields) {
      // `attachments.2` is shown with the attachments as a whole, and that file is marked to upload
      // again (its reference expired, or another submission took it).
      const at = (path: string) => (path.startsWith(ATTACHMENTS_PATH) ? ATTACHMENTS_PATH : path);
      for (const { path } of result.fields) if (/^attachments\.\d+$/.test(path)) attachments.expire(Number(path.slice(12)));
      errors.value = Object.fromEntries(result.fields.map((issue) => [at(issue.path), { ...issue, path: at(issue.path) }]));
      focusRequest.value++;
      // A refused field the visitor cannot see (prefill-only, or unknown to this form) is the
      // integrator's to fix: name it on the console, and do not ask the visitor to correct it.
      const hidden = result.fields.filter(({ path }) => !shown(at(path)));
      for (const { path, code } of hidden) report(`the relay refused ${path} (${code})`);
      if (hidden.length === result.fields.length) status.value = { kind: 'failed', code: 'bad_response' };
    }
    return undefined;
  }

  /** Called by the submitter before each automatic retry. */
  function retrying(retry: number) {
    if (status.value.kind === 'sending') status.value = { kind: 'sending', retry };
  }

  /** Back to a fresh form after a ticket was sent: empty, but with defaults and prefilled values again. */
  function reset() {
    values.value = EMPTY;
    category.value = '';
    errors.value = {};
    status.value = { kind: 'idle' };
    last = undefined;
    attachments.clear();
    applyPrefill(true);
    shownAt = now();
  }

  return { values, custom, category, errors, status, form, locked, focusRequest, attachments, challengeSlot, set, get, validateField, prefill, load, send, retrying, reset, subscribe };
}
