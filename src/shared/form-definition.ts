/**
 * The form definition the relay serves at `GET /form` and the widget renders: the custom fields
 * and categories the operator chose, already translated from Socialboards' types into controls.
 */
import type { AttachmentPolicy } from './attachments';

/** The controls a custom field can have. The relay maps Socialboards types onto these. */
export const CONTROLS = [
  'text',
  'multiline',
  'number',
  'date',
  'email',
  'phone',
  'url',
  'checkbox',
  'choice',
  'multichoice',
] as const;
export type Control = (typeof CONTROLS)[number];

/** One option of a choice or multichoice field. `value` is what is sent; `label` what is shown. */
export interface FormChoice {
  value: string;
  label: string;
}

/**
 * A custom field as the widget renders and validates it. Values travel in one canonical form per
 * control (see custom-fields.ts); the relay converts them to the format Socialboards expects.
 */
export interface FormField {
  /** Socialboards' custom field id. */
  id: number;
  label: string;
  control: Control;
  required: boolean;
  placeholder?: string;
  /** Initial value, in the canonical form. */
  defaultValue?: string;
  /** For `choice` and `multichoice`: the allowed options, in order. */
  choices?: FormChoice[];
  /** For text-like controls: the longest value accepted. */
  maxLength?: number;
  /** Not shown to visitors; its value comes only from the integrator's prefill. */
  prefillOnly?: boolean;
}

/** A category the visitor may choose, flattened from Socialboards' tree in display order. */
export interface FormCategory {
  id: number;
  name: string;
  parentId: number | null;
  /** 0 for a root category, 1 for its children, … */
  depth: number;
}

/** The category picker, when the operator offers one. */
export interface FormCategories {
  required: boolean;
  /** The picker's label, when the operator set one (else the widget's own word). */
  label?: string;
  options: FormCategory[];
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
  fields: FormField[];
  categories: FormCategories | null;
  /** What the relay accepts as attachments; absent or null when it takes none. */
  attachments?: AttachmentPolicy | null;
  /** The challenge to solve; absent or null when the relay asks for none. */
  challenge?: FormChallenge | null;
}

/** A form with nothing beyond the built-in fields: what a relay without a form config serves. */
export const EMPTY_FORM: FormDefinition = { fields: [], categories: null };
