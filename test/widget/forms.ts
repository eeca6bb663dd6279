/** Form definitions for widget tests, shaped as the relay serves them: the built-in fields around the custom ones. */
import { BUILT_IN_FIELDS } from '../../src/shared/built-in-fields';
import type { FormDefinition, FormField } from '../../src/shared/form-definition';

/** The built-in fields as a relay without a form config serves them. */
export const BUILT_IN_FORM: FormDefinition = { fields: [...BUILT_IN_FIELDS] };

/**
 * A form with `fields` (custom fields, the category picker) in the relay's default place: after
 * title, message and sentiment, before the visitor's name, email and phone.
 */
export function formWith(fields: FormField[], extras: Omit<FormDefinition, 'fields'> = {}): FormDefinition {
  const [title, message, sentiment, ...contact] = BUILT_IN_FIELDS;
  return { fields: [title, message, sentiment, ...fields, ...contact], ...extras };
}
