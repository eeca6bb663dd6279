/** Fetches the form definition (`GET {relay}/form`): the fields, the attachment policy and the challenge to render. */
import { ALWAYS_ASKED } from '../shared/built-in-fields';
import { CONTROLS, type FormChallenge, type FormDefinition, type FormField } from '../shared/form-definition';
import { isRecord, type RelayCall, type RelayCallResult } from './relay-call';

export type LoadFormResult = RelayCallResult<FormDefinition>;
export type LoadForm = (signal?: AbortSignal) => Promise<LoadFormResult>;

const isField = (field: unknown): field is FormField =>
  isRecord(field) &&
  typeof field.path === 'string' &&
  (CONTROLS as readonly unknown[]).includes(field.control) &&
  (!/choice|radio/.test(String(field.control)) || Array.isArray(field.choices));

/** A challenge the widget knows how to show or solve; anything else is dropped, and the relay will say `challenge_required`. */
const isChallenge = (challenge: unknown): challenge is FormChallenge =>
  isRecord(challenge) &&
  (challenge.provider === 'altcha'
    ? typeof challenge.path === 'string' && challenge.path.startsWith('/')
    : (challenge.provider === 'turnstile' || challenge.provider === 'hcaptcha') && typeof challenge.siteKey === 'string');

/**
 * Reads the definition, dropping any field whose shape the widget could not render (the relay
 * checks every value anyway, so a dropped field only means a question not asked), and an
 * attachment policy without its list of types. A form without title and message is no form this
 * widget can send (an older relay's, whose fields have ids rather than paths): a bad response, so
 * the built-in fields stay on screen with a way to load it again.
 */
function readForm(body: unknown): FormDefinition | undefined {
  if (!isRecord(body) || !Array.isArray(body.fields)) return undefined;
  const fields = body.fields.filter(isField);
  if (!ALWAYS_ASKED.every((name) => fields.some(({ path }) => path === name))) return undefined;
  const attachments = isRecord(body.attachments) && Array.isArray(body.attachments.types) ? body.attachments : undefined;
  return {
    fields,
    attachments: attachments as FormDefinition['attachments'],
    challenge: isChallenge(body.challenge) ? body.challenge : undefined,
  };
}

/**
 * Creates the loader; the browser's HTTP cache honours the relay's ETag and Cache-Control. It asks
 * for the form in `locale`, the language the widget shows, so the operator's per-language labels
 * match the widget's own words (docs/form-config.md, "Texts per language").
 */
export function createFormLoader(call: RelayCall, locale: string): LoadForm {
  // A language tag, as pickLocale returns one: nothing in it needs escaping.
  return (signal) => call({ path: `/form?locale=${locale}`, read: readForm }, signal);
}
