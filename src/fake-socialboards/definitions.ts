/** The community's custom field definitions and category tree that the fake serves and judges tickets by. */

/** One option of a choice field (docs/socialboards-api.md §5.5, shape from the §5.4 example). */
export interface PossibleValue {
  order: number;
  value: string;
}

/** A Custom Field definition in the shape of the doc example (docs/socialboards-api.md §5.4). */
export interface CustomFieldDefinition {
  /** Obsolete per the docs; kept because the real object still carries it. */
  assignedCategoryIds: number[];
  defaultValue: string | null;
  id: number;
  isHidden: boolean;
  isRequired: boolean;
  isSensitiveData: boolean;
  name: string;
  order: number;
  placeholder: string | null;
  possibleValues: PossibleValue[];
  type: string;
  value: string | null;
}

/**
 * A category. ASSUMED camelCase REST shape, inferred from the PascalCase webhook shape
 * `{Id, Name, Parents}` (docs/socialboards-api.md §5.6). The element type of `parents` is UNKNOWN;
 * the fake's choice: the ids of the ancestors, ordered from the root down to the direct parent.
 */
export interface Category {
  id: number;
  name: string;
  parents: number[];
}

const options = (...values: string[]): PossibleValue[] =>
  values.map((value, index) => ({ order: index + 1, value }));

const field = (
  definition: Pick<CustomFieldDefinition, 'id' | 'name' | 'order' | 'type'> & Partial<CustomFieldDefinition>,
): CustomFieldDefinition => ({
  assignedCategoryIds: [],
  defaultValue: null,
  isHidden: false,
  isRequired: false,
  isSensitiveData: false,
  placeholder: null,
  possibleValues: [],
  value: null,
  ...definition,
});

/**
 * The custom fields of the fake community. Only the type `region` is documented (docs/socialboards-api.md
 * §6.2); every other type name here is INVENTED (plausible lower-case names) so that one field per
 * kind of form control exists for the widget to map, and must be checked against the live API.
 * Value formats per type are UNKNOWN too, so the fake checks only that choice fields get one of
 * their `possibleValues`.
 */
export const CUSTOM_FIELDS: readonly CustomFieldDefinition[] = [
  // The field of the doc example, with more Norwegian counties than the example's three.
  field({
    id: 42623,
    name: 'Shop region',
    order: 1,
    type: 'region',
    placeholder: 'region',
    possibleValues: options(
      'Østfold', 'Akershus', 'Oslo', 'Innlandet', 'Buskerud', 'Vestfold', 'Telemark', 'Agder', 'Rogaland',
      'Vestland',
    ),
  }),
  field({ id: 42624, name: 'Order number', order: 2, type: 'text', placeholder: 'e.g. 100234' }),
  field({ id: 42625, name: 'Car model', order: 3, type: 'text', isRequired: true, placeholder: 'e.g. Model Y' }),
  field({ id: 42626, name: 'Lead source', order: 4, type: 'text', isHidden: true, defaultValue: 'web-form' }),
  field({ id: 42627, name: 'Customer number', order: 5, type: 'text', isSensitiveData: true }),
  field({ id: 42628, name: 'Describe the damage', order: 6, type: 'textarea', assignedCategoryIds: [15600] }),
  field({ id: 42629, name: 'Mileage (km)', order: 7, type: 'number', placeholder: '0' }),
  field({ id: 42630, name: 'Preferred test drive date', order: 8, type: 'date', assignedCategoryIds: [15597] }),
  field({ id: 42631, name: 'Alternative email', order: 9, type: 'email', placeholder: 'name@example.com' }),
  field({ id: 42632, name: 'Alternative phone', order: 10, type: 'phone', placeholder: '+47 000 00 000' }),
  field({ id: 42633, name: 'Link to the car listing', order: 11, type: 'url', placeholder: 'https://' }),
  field({ id: 42634, name: 'Subscribe to newsletter', order: 12, type: 'checkbox', defaultValue: 'false' }),
  field({
    id: 42635,
    name: 'Interested in',
    order: 13,
    type: 'multiselect',
    possibleValues: options('Financing', 'Trade-in', 'Service agreement', 'Insurance'),
  }),
  // What an operator creates for RELAY_SUBMISSION_KEY_FIELD: hidden, filled by the relay, never by visitors.
  field({ id: 42636, name: 'Website submission key', order: 14, type: 'text', isHidden: true }),
];

/** The category tree: 15597 "Sales" (from the doc example) with children, and 15721 "Other cases" (from §5.6). */
export const CATEGORIES: readonly Category[] = [
  { id: 15597, name: 'Sales', parents: [] },
  { id: 15598, name: 'New cars', parents: [15597] },
  { id: 15602, name: 'Electric cars', parents: [15597, 15598] },
  { id: 15599, name: 'Used cars', parents: [15597] },
  { id: 15600, name: 'Workshop', parents: [] },
  { id: 15601, name: 'Tyre change', parents: [15600] },
  { id: 15721, name: 'Other cases', parents: [] },
];
