/** The widget's words: one catalogue per language, the choice of language, and overrides. */
import { FIELD_ISSUE_TEXT_EN, type FieldIssueCode } from '../shared/field-issues';
import type { SubmitErrorCode } from '../submitter/submit-ticket';

const EN = {
  // The direction the language is written in, on our root element: each pack says its own.
  dir: 'ltr',
  heading: 'Contact us',
  title: 'Subject',
  message: 'Message',
  sentiment: 'What kind of message is this?',
  'sentiment.question': 'Question',
  'sentiment.praise': 'Praise',
  'sentiment.suggestion': 'Suggestion',
  'sentiment.complaint': 'Complaint',
  name: 'Your name',
  email: 'Email',
  phoneNumber: 'Phone',
  optional: 'optional',
  required: 'required',
  choose: 'Choose…',
  category: 'Topic',
  yes: 'Yes',
  no: 'No',
  formFailed: 'Some questions could not be loaded.',
  reload: 'Try again',
  attachments: 'Attachments',
  addFiles: 'Add files',
  dropHint: 'or drop them here, or paste a screenshot. Up to {count} files, {size} each.',
  uploading: 'Uploading…',
  uploaded: 'Uploaded',
  remove: 'Remove',
  filesFailed: 'An attachment did not upload. Try again or remove it.',
  'upload.too_many_files': '{name} was not added: you can attach at most {count} files.',
  'upload.file_too_large': '{name} is larger than {size}.',
  'upload.total_too_large': '{name} was not added: attachments can be at most {total} in all.',
  'upload.file_type': '{name} is not a kind of file we accept.',
  'upload.unsupported_media_type': 'Not a kind of file we accept.',
  'upload.payload_too_large': 'Too large.',
  'upload.network': 'Upload failed: no connection.',
  'upload.rate_limited': 'Too many uploads just now: try again later.',
  'upload.expired': 'No longer valid: add it again.',
  'upload.failed': 'Upload failed.',
  submit: 'Send',
  sending: 'Sending…',
  retrying: 'Still trying to send…',
  summary: 'Please correct the highlighted fields.',
  sentHeading: 'Thank you!',
  sentBody: 'We have received your message. Your ticket number is {id}.',
  queuedBody: 'We have received your message and will pass it on to our team. Your reference is {reference}.',
  savedHeading: 'Saved on this device',
  savedBody: 'We could not reach the support service. Your message will be sent when you are back online or open this page again.',
  delivered: 'Your saved message has been sent.',
  discardDraft: 'Discard draft',
  sendAnother: 'Send another message',
  trap: 'Leave this field empty',
  'error.network': 'We could not reach the support service. Check your connection and try again.',
  'error.timeout': 'The support service took too long to answer. Please try again.',
  'error.rate_limited': 'Too many messages were sent just now. Please wait a minute and try again.',
  'error.rate_limited.wait': 'Too many messages were sent from your connection. Please try again {when}.',
  'error.upstream_unavailable': 'The support service is not available right now. Please try again in a few minutes.',
  'error.upstream_timeout': 'The support service took too long to answer. Please try again.',
  'error.upstream_busy': 'The support service is very busy right now. Please try again in a moment.',
  'error.upstream_rejected': 'The support service could not accept this message. Please check it and try again.',
  'error.payload_too_large': 'Your message is too large to send. Please shorten it.',
  'error.upstream_unconfirmed': 'Your message may have arrived, but we could not confirm it. Please do not send it again; we will reply if it reached us.',
  'error.submission_unresolved': 'Your message may already have arrived; we are checking and will not send it twice. Please do not send it again.',
  'error.identity_invalid': 'We could not confirm that you are signed in. Copy your message, sign in again or reload the page, then send it.',
  'error.identity_required': 'Please sign in to send a message. Copy your message first, so you can paste it back afterwards.',
  'error.validation': 'Please correct the highlighted fields.',
  'error.spam_suspected': 'Your message was not sent: the form was sent faster than a person usually can. Please check it and press Send again.',
  'error.challenge_required': 'Please complete the check that you are not a robot, then press Send again.',
  'error.challenge_failed': 'The check that you are not a robot failed or expired, so it has been reset. Please complete it again if asked and press Send.',
  'error.generic': 'Something went wrong while sending. Please try again.',
  ...(Object.fromEntries(
    Object.entries(FIELD_ISSUE_TEXT_EN).map(([code, text]) => [`field.${code}`, text]),
  ) as Record<`field.${FieldIssueCode}`, string>),
};

export type MessageKey = keyof typeof EN;
export type Catalogue = Record<MessageKey, string>;



/**
 * Languages beyond English, by primary subtag. Each comes as a small pack (src/widget/locales/),
 * so the one script stays within its budget whatever the number of languages: a script-tag pack
 * puts its words on `window.SocialboardsTicketLocales` (in the format of locales/pack-format.ts);
 * SPA users call `registerLocale` with the pack's catalogue.
 */
const registered: Record<string, Partial<Catalogue>> = {};

declare global {
  // On `globalThis` rather than `window`: the same object in a browser, and there in Node tests too.
  var SocialboardsTicketLocales: Record<string, string> | undefined;
}

/** Makes a language available to widgets mounted from now on. */
export function registerLocale(tag: string, catalogue: Partial<Catalogue>): void {
  registered[tag.toLowerCase()] = catalogue;
}

const KEYS = Object.keys(EN) as MessageKey[];

/** A script-tag pack's words under their keys; nothing (and why, in the console) when it was made for another widget. */
function unpack(tag: string): Partial<Catalogue> | undefined {
  const pack = globalThis.SocialboardsTicketLocales?.[tag];
  if (!pack) return;
  const [madeFor, ...words] = pack.split('|');
  if (madeFor == __PACK_ID__) return Object.fromEntries(KEYS.map((key, index) => [key, words[index]]));
  console.error(`[SocialboardsTicket] ${tag} pack is for widget ${madeFor}, not ${__PACK_ID__}`);
}

const catalogueFor = (tag: string): Partial<Catalogue> | undefined =>
  tag === 'en' ? EN : (registered[tag] ?? unpack(tag));

/** The first of the candidate language tags that we have a catalogue for (`de-AT` finds `de`), else `en`. */
export function pickLocale(candidates: readonly (string | undefined | null)[]): string {
  for (const tag of candidates) {
    const primary = tag?.toLowerCase().split(/[-_]/)[0];
    if (primary && catalogueFor(primary)) return primary;
    // Bokmål's words serve Nynorsk and plain Norwegian pages too, unless a pack of their own is there.
    if (/^n[no]$/.test(primary!) && catalogueFor('nb')) return 'nb';
  }
  return 'en';
}

/** Looks a word up; `locale` is the language it speaks, for number formats. */
export type Translate = ((key: MessageKey, params?: Record<string, string | number>) => string) & { locale: string };

/** `key` when the catalogue has it, else `fallback`: for words chosen by a code from the network. */
export const known = (key: string, fallback: MessageKey): MessageKey => (key in EN ? (key as MessageKey) : fallback);

/** Looks words up in the integrator's overrides, then the language's catalogue, then English. */
export function createTranslator(locale: string, overrides: Partial<Record<string, string>> = {}): Translate {
  const catalogue = catalogueFor(locale) ?? {};
  const translate = (key: MessageKey, params: Record<string, string | number> = {}) => {
    // The key itself as a last resort: a missing word must never break the host page.
    const text = overrides[key] ?? catalogue[key] ?? EN[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (match, name: string) => String(params[name] ?? match));
  };
  return Object.assign(translate, { locale });
}

/** Text for a failed submission. */
export const submitErrorKey = (code: SubmitErrorCode) => known(`error.${code}`, 'error.generic');

/**
 * Text for a failed submission, telling a rate-limited visitor when to come back ("in 7 minutes",
 * "om 7 minutter"), worded by the browser's own Intl.
 */
export function submitErrorText(t: Translate, code: SubmitErrorCode, retryAfterMs: number | undefined): string {
  if (code !== 'rate_limited' || retryAfterMs === undefined) return t(submitErrorKey(code));
  const minutes = Math.ceil(retryAfterMs / 60_000);
  const when = new Intl.RelativeTimeFormat(t.locale, { numeric: 'auto' });
  return t('error.rate_limited.wait', { when: minutes < 60 ? when.format(minutes, 'minute') : when.format(Math.ceil(minutes / 60), 'hour') });
}

/** Every message key, so option parsing can name a misspelled override. */
export const MESSAGE_KEYS: ReadonlySet<string> = new Set(KEYS);
