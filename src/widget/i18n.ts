/** The widget's words: one catalogue per language, the choice of language, and overrides. */
import { FIELD_ISSUE_TEXT_EN, type FieldIssueCode } from '../shared/field-issues';
import type { SubmitErrorCode } from '../submitter/submit-ticket';

const EN = {
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
  submit: 'Send',
  sending: 'Sending…',
  retrying: 'Still trying to send…',
  summary: 'Please correct the highlighted fields.',
  sentHeading: 'Thank you!',
  sentBody: 'We have received your message. Your ticket number is {id}.',
  sendAnother: 'Send another message',
  'error.network': 'We could not reach the support service. Check your connection and try again.',
  'error.timeout': 'The support service took too long to answer. Please try again.',
  'error.rate_limited': 'Too many messages were sent just now. Please wait a minute and try again.',
  'error.upstream_unavailable': 'The support service is not available right now. Please try again in a few minutes.',
  'error.upstream_timeout': 'The support service took too long to answer. Please try again.',
  'error.upstream_rejected': 'The support service could not accept this message. Please check it and try again.',
  'error.payload_too_large': 'Your message is too large to send. Please shorten it.',
  'error.origin_not_allowed': 'This form is not set up to send messages from this website.',
  'error.validation': 'Please correct the highlighted fields.',
  'error.generic': 'Something went wrong while sending. Please try again.',
  ...(Object.fromEntries(
    Object.entries(FIELD_ISSUE_TEXT_EN).map(([code, text]) => [`field.${code}`, text]),
  ) as Record<`field.${FieldIssueCode}`, string>),
};

export type MessageKey = keyof typeof EN;
export type Catalogue = Record<MessageKey, string>;

const NB: Partial<Catalogue> = {
  heading: 'Kontakt oss',
  title: 'Emne',
  message: 'Melding',
  sentiment: 'Hva slags henvendelse er dette?',
  'sentiment.question': 'Spørsmål',
  'sentiment.praise': 'Ros',
  'sentiment.suggestion': 'Forslag',
  'sentiment.complaint': 'Klage',
  name: 'Navnet ditt',
  email: 'E-post',
  phoneNumber: 'Telefon',
  optional: 'valgfritt',
  required: 'påkrevd',
  choose: 'Velg…',
  category: 'Kategori',
  yes: 'Ja',
  no: 'Nei',
  formFailed: 'Noen av spørsmålene kunne ikke lastes.',
  reload: 'Prøv igjen',
  submit: 'Send',
  sending: 'Sender…',
  retrying: 'Prøver fortsatt å sende…',
  summary: 'Rett opp feltene som er merket.',
  sentHeading: 'Takk!',
  sentBody: 'Vi har mottatt meldingen din. Saksnummeret ditt er {id}.',
  sendAnother: 'Send en ny melding',
  'error.network': 'Vi fikk ikke kontakt med kundeservice. Sjekk nettforbindelsen og prøv igjen.',
  'error.timeout': 'Kundeservice brukte for lang tid på å svare. Prøv igjen.',
  'error.rate_limited': 'Det er sendt for mange meldinger akkurat nå. Vent et minutt og prøv igjen.',
  'error.upstream_unavailable': 'Kundeservice er ikke tilgjengelig akkurat nå. Prøv igjen om noen minutter.',
  'error.upstream_timeout': 'Kundeservice brukte for lang tid på å svare. Prøv igjen.',
  'error.upstream_rejected': 'Kundeservice kunne ikke ta imot denne meldingen. Sjekk den og prøv igjen.',
  'error.payload_too_large': 'Meldingen er for stor til å sendes. Gjør den kortere.',
  'error.origin_not_allowed': 'Dette skjemaet er ikke satt opp for å sende meldinger fra dette nettstedet.',
  'error.validation': 'Rett opp feltene som er merket.',
  'error.generic': 'Noe gikk galt under sendingen. Prøv igjen.',
  'field.required': 'Dette feltet må fylles ut.',
  'field.too_long': 'Bruk høyst {limit} tegn.',
  'field.too_many': 'Velg høyst {limit}.',
  'field.invalid_email': 'Skriv inn en e-postadresse som navn@eksempel.no.',
  'field.invalid_phone': 'Skriv inn et telefonnummer med sifre, mellomrom og eventuelt + først.',
  'field.invalid_number': 'Skriv inn et tall, som 42 eller 3.5.',
  'field.invalid_date': 'Skriv inn en gyldig dato.',
  'field.invalid_url': 'Skriv inn en nettadresse som begynner med https://.',
  'field.invalid_choice': 'Velg et av alternativene.',
  'field.invalid': 'Denne verdien er ikke gyldig.',
  'field.unknown_field': 'Dette feltet godtas ikke.',
  'field.not_enabled': 'Dette feltet godtas ikke ennå.',
};

/** Built-in languages, by primary subtag. Norwegian Nynorsk and generic `no` read Bokmål. */
const CATALOGUES: Record<string, Partial<Catalogue>> = { en: {}, nb: NB, nn: NB, no: NB };

/** The first of the candidate language tags that we have a catalogue for, else `en`. */
export function pickLocale(candidates: readonly (string | undefined | null)[]): string {
  for (const tag of candidates) {
    const primary = tag?.toLowerCase().split(/[-_]/)[0];
    if (primary && primary in CATALOGUES) return primary;
  }
  return 'en';
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** Looks words up in the integrator's overrides, then the language's catalogue, then English. */
export function createTranslator(locale: string, overrides: Partial<Record<string, string>> = {}): Translate {
  const catalogue = CATALOGUES[locale] ?? {};
  return (key, params = {}) => {
    const text = overrides[key] ?? catalogue[key] ?? EN[key];
    return text.replace(/\{(\w+)\}/g, (match, name: string) => String(params[name] ?? match));
  };
}

/** Text for a failed submission. */
export function submitErrorKey(code: SubmitErrorCode): MessageKey {
  const key = `error.${code}`;
  return key in EN ? (key as MessageKey) : 'error.generic';
}

/** Every message key, so option parsing can name a misspelled override. */
export const MESSAGE_KEYS: ReadonlySet<string> = new Set(Object.keys(EN));
