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

/** The category picker over a small tree, as the relay serves it: a choice field. */
export const DEPARTMENT: FormField = {
  path: 'categoryId',
  label: 'Department',
  control: 'choice',
  required: false,
  choices: [
    { value: '12', label: 'Sales' },
    { value: '13', label: 'New cars', depth: 1 },
    { value: '14', label: 'Electric', depth: 2 },
    { value: '15', label: 'Used cars', depth: 1 },
    { value: '16', label: 'Service' },
  ],
};
