/**
 * How a custom field value travels upstream: from the canonical form the widget sends (see
 * src/shared/field-values.ts) to the string Socialboards stores, per control and format.
 *
 * ASSUMED, every one of them: the page that lists Socialboards' value formats could not be read
 * (docs/socialboards-api.md §6.2). The defaults are the plainest choice; an operator who learns the
 * real format sets `format` for the field in the form config (docs/form-config.md).
 */
import type { FieldValue } from '../../shared/field-values';
import type { Control } from '../../shared/form-definition';

type Convert = (value: FieldValue) => string;

/** A converter of one string (every control but multichoice), given the trimmed value. */
const one =
  (convert: (value: string) => string): Convert =>
  (value) =>
    convert((Array.isArray(value) ? value.join(',') : value).trim());

/** A converter of a multichoice list, given the trimmed option values in the order sent. */
const list =
  (convert: (values: string[]) => string): Convert =>
  (value) =>
    convert((Array.isArray(value) ? value : [value]).map((item) => item.trim()));

/** Canonical `YYYY-MM-DD`, already proved a real date by the shared check, as [year, month, day]. */
const ymd = (value: string) => value.split('-');

/** Controls with a choice of format, and their formats; the first of each is the default. */
const FORMATS = {
  date: {
    'iso-date': one((value) => value),
    'dd.mm.yyyy': one((value) => ymd(value).reverse().join('.')),
    'mm/dd/yyyy': one((value) => {
      const [year, month, day] = ymd(value);
      return `${month}/${day}/${year}`;
    }),
    'iso-datetime': one((value) => `${value}T00:00:00`),
  },
  number: {
    decimal: one((value) => value),
    'decimal-comma': one((value) => value.replace('.', ',')),
  },
  checkbox: {
    'true-false': one((value) => value),
    '1-0': one((value) => (value === 'true' ? '1' : '0')),
    'yes-no': one((value) => (value === 'true' ? 'yes' : 'no')),
  },
  multichoice: {
    comma: list((values) => values.join(',')),
    semicolon: list((values) => values.join(';')),
    newline: list((values) => values.join('\n')),
    json: list((values) => JSON.stringify(values)),
  },
} satisfies Partial<Record<Control, Record<string, Convert>>>;

type FormatTable = typeof FORMATS;
/** Every format name an operator may write in the form config. */
export type ValueFormat = { [C in keyof FormatTable]: keyof FormatTable[C] }[keyof FormatTable];

const TABLE: Partial<Record<Control, Record<string, Convert>>> = FORMATS;

/** The formats `control` can be sent in, default first; none for controls sent as typed. */
export const formatsOf = (control: Control): readonly ValueFormat[] =>
  Object.keys(TABLE[control] ?? {}) as ValueFormat[];

/** Every format, in table order (for config messages). */
export const VALUE_FORMATS: readonly ValueFormat[] = Object.values(TABLE).flatMap(
  (formats) => Object.keys(formats) as ValueFormat[],
);

/** The default format of a control, or `undefined` for controls sent as typed. */
export const defaultFormat = (control: Control): ValueFormat | undefined => formatsOf(control)[0];

/** Whether `control` can be sent in `format`. */
export const fitsControl = (control: Control, format: ValueFormat): boolean => formatsOf(control).includes(format);

const AS_TYPED = one((value) => value);

/**
 * The upstream string for a value that has passed its field's check (field-values.ts), in the field's format:
 * text-like controls and single choices are sent trimmed, as typed.
 */
export function toUpstreamValue(control: Control, format: ValueFormat | undefined, value: FieldValue): string {
  const convert = format === undefined ? undefined : TABLE[control]?.[format];
  return (convert ?? AS_TYPED)(value);
}
