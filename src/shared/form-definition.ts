/**
 * The form definition the relay serves at `GET /form` and the widget renders: every field the
 * visitor fills in — the built-in ones (title, message, sentiment, the visitor's name, email and
 * phone), the operator's custom fields and the category picker — as one list of field specs of
 * one shape, in display order, with the attachment policy and the challenge.
 */
import type { AttachmentPolicy } from './attachments';

/** The controls a field can have. The relay maps Socialboards' custom field types onto these. */
export const CONTROLS = [
  'text',
  'multiline',
  'number',
  'date',
  'email',
  'phone',
  'url',
  'checkbox',
  /** One of the options, from a list (a select). */
  'choice',
  /** One of a few options, all shown at once (radio buttons). */
  'radio',
  'multichoice',
] as const;
export type Control = (typeof CONTROLS)[number];

/**
 * One option of a choice. `value` is what is sent; `label` what is shown (a built-in field's options
 * have none: the widget shows its own word, `<field>.<value>`, in the visitor's language); `depth`
 * indents a category under its parent.
 */
export interface FormChoice {
  value: string;
  label?: string;
  depth?: number;
}

/**
 * A field as the widget renders and validates it and the relay checks it. Values travel in one
 * canonical form per control (see field-values.ts); the relay converts custom field values to the
 * format Socialboards expects.
 */
export interface FormField {
  /**
   * Where the value goes in the ticket request, and the path its problems are reported under:
   * `title`, `message`, `sentiment`, `creator.name`, `creator.email`, `creator.phoneNumber`,
   * `customFields.<id>` or `categoryId`. Its last segment is the field's name (fieldName).
   */
  path: string;
  control: Control;
  required: boolean;
  /** The operator's label. A built-in field without one shows the widget's word for it, in the visitor's language. */
  label?: string;
  placeholder?: string;
  /** Initial value, in the canonical form. */
  defaultValue?: string;
  /** For `choice`, `radio` and `multichoice`: the allowed options, in order. */
  choices?: FormChoice[];
  /** For text-like controls: the longest value accepted. */
  maxLength?: number;
  /** Not shown to visitors; its value comes only from the integrator's prefill. */
  prefillOnly?: boolean;
  /** What the browser may autofill into it (`name`, `email`, `tel`); `off` when absent. */
  autocomplete?: string;
  /** Shares a row with a neighbouring half-width field where there is room. */
  half?: boolean;
  /** Never kept in the visitor's draft on their device (the operator's choice; Socialboards' `isSensitiveData` by default). */
  sensitive?: boolean;
}

/**
 * The check the widget must pass before sending, when the relay asks for one (docs/spam.md): a
 * provider's widget with its public site key, or ALTCHA proof of work fetched from `path` on the relay.
 */
export type FormChallenge =
  | { provider: 'turnstile' | 'hcaptcha'; siteKey: string; action: string }
  | { provider: 'altcha'; path: string };

/** `GET {relay}/form` body. */
export interface FormDefinition {
  /** Every field, in display order. */
  fields: FormField[];
  /** What the relay accepts as attachments; absent or null when it takes none. */
  attachments?: AttachmentPolicy | null;
  /** The challenge to solve; absent or null when the relay asks for none. */
  challenge?: FormChallenge | null;
}

/** Where a custom field's value goes. */
export const CUSTOM_FIELDS = 'customFields';
/** Where the visitor's category goes. */
export const CATEGORY_PATH = 'categoryId';

/** The path of custom field `id`. */
export const customFieldPath = (id: number | string): string => `${CUSTOM_FIELDS}.${id}`;

/** The id of the custom field at `path`, or undefined for any other path. */
export const customFieldId = (path: string): number | undefined =>
  path.startsWith(`${CUSTOM_FIELDS}.`) ? Number(path.slice(CUSTOM_FIELDS.length + 1)) : undefined;

/**
 * A field's name, as the integrator writes it in `prefill` and `lockFields` and the operator in the
 * form config: the last segment of its path (`email`, `phoneNumber`, `42623`, `categoryId`).
 */
export const fieldName = (path: string): string => path.slice(path.lastIndexOf('.') + 1);
