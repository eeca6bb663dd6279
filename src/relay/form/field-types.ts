/**
 * The one table from a Socialboards custom field type to the control the widget shows and the
 * format its value is sent in, with the rules for types the table does not know.
 */
import type { Control } from '../../shared/form-definition';
import { defaultFormat } from './value-formats';
import type { ValueFormat } from './value-formats';

/** What a type becomes, and whether the documentation says so or we guessed. */
export interface FieldTypeMapping {
  control: Control;
  /** `KNOWN`: seen in Socialboards' docs; `ASSUMED`: a name our fake invented, to verify. */
  source: 'KNOWN' | 'ASSUMED';
}

/**
 * Only `region` appears in the documentation (docs/socialboards-api.md §5.4, §6.2: a choice whose
 * options are `possibleValues`; the ticket example sends the option's `value`, "Oslo"). Every
 * other name is ASSUMED: the fake Socialboards invented them, and the page listing the real types
 * could not be read. A wrong guess is corrected per field with `control` in the form config.
 */
export const FIELD_TYPES: Readonly<Record<string, FieldTypeMapping>> = {
  region: { control: 'choice', source: 'KNOWN' },
  text: { control: 'text', source: 'ASSUMED' },
  textarea: { control: 'multiline', source: 'ASSUMED' },
  number: { control: 'number', source: 'ASSUMED' },
  date: { control: 'date', source: 'ASSUMED' },
  email: { control: 'email', source: 'ASSUMED' },
  phone: { control: 'phone', source: 'ASSUMED' },
  url: { control: 'url', source: 'ASSUMED' },
  checkbox: { control: 'checkbox', source: 'ASSUMED' },
  multiselect: { control: 'multichoice', source: 'ASSUMED' },
};

/** The parts of a definition and of the operator's overrides that decide a field's control and format. */
export interface TypeInput {
  type: string;
  possibleValues: readonly unknown[];
  control?: Control | undefined;
  format?: ValueFormat | undefined;
}

/**
 * The control and format of a field. The operator's `control` wins; then the table (type names
 * compared case-insensitively); then the rules for unknown types: options make it a single
 * choice (the safe reading of §6.2), anything else is free text sent as a string. The format is
 * the operator's, else the control's default (none for controls sent as typed).
 */
export function resolveFieldType({ type, possibleValues, control, format }: TypeInput): {
  control: Control;
  format: ValueFormat | undefined;
} {
  const known = Object.hasOwn(FIELD_TYPES, type.toLowerCase()) ? FIELD_TYPES[type.toLowerCase()] : undefined;
  const resolved = control ?? known?.control ?? (possibleValues.length > 0 ? 'choice' : 'text');
  return { control: resolved, format: format ?? defaultFormat(resolved) };
}
