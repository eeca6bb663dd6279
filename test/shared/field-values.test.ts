/** Field values by path — custom fields and the category choice — checked against a form's fields as widget and relay both do. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_FIELDS } from '../../src/shared/built-in-fields';
import type { FieldIssue } from '../../src/shared/field-issues';
import {
  checkValue,
  checkValues,
  createFormSchema,
  fieldSchema,
  fromTicketFields,
  toTicketFields,
  type FieldValue,
  type FieldValues,
} from '../../src/shared/field-values';
import { CATEGORY_PATH, CONTROLS, customFieldPath, type Control, type FormField } from '../../src/shared/form-definition';
import { LIMITS } from '../../src/shared/limits';

const CITIES = [
  { value: 'oslo', label: 'Oslo' },
  { value: 'bergen', label: 'Bergen' },
];

/** One custom field per control, with ids 1 to 11 in the order of CONTROLS. */
const ID = Object.fromEntries(CONTROLS.map((control, index) => [control, index + 1])) as Record<Control, number>;

const hasChoices = (control: Control) => control === 'choice' || control === 'radio' || control === 'multichoice';

function fieldOf(control: Control, extra: Partial<FormField> = {}): FormField {
  const choices = hasChoices(control) ? { choices: CITIES } : {};
  return { path: customFieldPath(ID[control]), label: control, control, required: false, ...choices, ...extra };
}

const checkForm = (fields: readonly FormField[], values: FieldValues): FieldIssue[] => {
  const result = checkValues(createFormSchema(fields), values);
  return result.ok ? [] : result.error;
};

/** The issues for one field holding `value` (undefined: the key is absent). */
const issuesFor = (field: FormField, value: FieldValue | undefined): FieldIssue[] =>
  checkForm([field], value === undefined ? {} : { [field.path]: value });

const issue = (control: Control, code: string, limit?: number) => [
  limit === undefined ? { path: customFieldPath(ID[control]), code } : { path: customFieldPath(ID[control]), code, limit },
];

describe('checkValues: a value each control accepts', () => {
  it.each<[Control, FieldValue]>([
    ['text', 'Oslo'],
    ['text', '  Oslo  '],
    ['multiline', 'First line\nSecond line'],
    ['number', '42'],
    ['number', '-3.5'],
    ['date', '2024-02-29'],
    ['email', 'ann@example.com'],
    ['phone', '+47 22 33 44 55'],
    ['url', 'https://example.com/order/42'],
    ['checkbox', 'true'],
    ['choice', 'bergen'],
    ['radio', 'oslo'],
    ['multichoice', ['oslo']],
    ['multichoice', ['oslo', 'bergen']],
  ])('%s accepts %j, optional or required', (control, value) => {
    expect(issuesFor(fieldOf(control), value)).toEqual([]);
    expect(issuesFor(fieldOf(control, { required: true }), value)).toEqual([]);
  });
});

describe('checkValues: blank and missing values', () => {
  const controls = [...CONTROLS];
  const blank = (control: Control): FieldValue => (control === 'multichoice' ? [] : '');

  it.each(controls)('an optional %s may be left out or blank', (control) => {
    expect(issuesFor(fieldOf(control), undefined)).toEqual([]);
    expect(issuesFor(fieldOf(control), blank(control))).toEqual([]);
  });

  it.each(controls)('a required %s left out is required', (control) => {
    expect(issuesFor(fieldOf(control, { required: true }), undefined)).toEqual(issue(control, 'required'));
  });

  it.each(controls)('a required %s left blank is required', (control) => {
    expect(issuesFor(fieldOf(control, { required: true }), blank(control))).toEqual(issue(control, 'required'));
  });

  it.each(['text', 'multiline', 'email'] as const)('a required %s of only spaces is required', (control) => {
    expect(issuesFor(fieldOf(control, { required: true }), '   ')).toEqual(issue(control, 'required'));
  });

  it('a required checkbox must be ticked: "false" is required, while an optional one may be "false"', () => {
    expect(issuesFor(fieldOf('checkbox', { required: true }), 'false')).toEqual(issue('checkbox', 'required'));
    expect(issuesFor(fieldOf('checkbox'), 'false')).toEqual([]);
  });
});

describe('checkValues: values in the wrong format', () => {
  it.each<[Control, FieldValue, string]>([
    ['number', '3,5', 'invalid_number'],
    ['number', '1e5', 'invalid_number'],
    ['number', 'forty-two', 'invalid_number'],
    ['date', '2025-02-30', 'invalid_date'],
    ['date', '2025-02-29', 'invalid_date'],
    ['date', '30.01.2025', 'invalid_date'],
    ['email', 'bill_smith@', 'invalid_email'],
    ['phone', 'call me', 'invalid_phone'],
    ['phone', '1234', 'invalid_phone'],
    ['url', 'javascript:alert(1)', 'invalid_url'],
    ['url', 'example.com', 'invalid_url'],
    ['url', 'ftp://example.com/file', 'invalid_url'],
    ['checkbox', 'yes', 'invalid'],
    ['checkbox', 'on', 'invalid'],
    ['choice', 'trondheim', 'invalid_choice'],
    ['choice', 'Oslo', 'invalid_choice'],
    ['radio', 'trondheim', 'invalid_choice'],
    ['multichoice', ['oslo', 'trondheim'], 'invalid_choice'],
    ['multichoice', ['oslo', 'oslo'], 'invalid'],
    ['multichoice', 'oslo', 'invalid'],
    ['text', ['a', 'b'], 'invalid'],
    ['choice', ['oslo'], 'invalid'],
  ])('%s refuses %j as %s', (control, value, code) => {
    expect(issuesFor(fieldOf(control), value)).toEqual(issue(control, code));
  });

  it('reports a value longer than the field allows as too_long with its limit', () => {
    const field = fieldOf('text', { maxLength: 5 });
    expect(issuesFor(field, 'Bergen')).toEqual(issue('text', 'too_long', 5));
    expect(issuesFor(field, ' Oslo ')).toEqual([]);
  });

  it(`caps a field without maxLength at ${LIMITS.customFieldValue} characters`, () => {
    const field = fieldOf('multiline');
    expect(issuesFor(field, 'x'.repeat(LIMITS.customFieldValue))).toEqual([]);
    expect(issuesFor(field, 'x'.repeat(LIMITS.customFieldValue + 1))).toEqual(issue('multiline', 'too_long', LIMITS.customFieldValue));
  });

  it('reports a path the form does not have as unknown_field at that path', () => {
    expect(checkForm([fieldOf('text')], { 'customFields.1': 'Oslo', 'customFields.42623': 'Oslo' })).toEqual([
      { path: 'customFields.42623', code: 'unknown_field' },
    ]);
    expect(checkForm([fieldOf('text')], { 'creator.name': 'Ann' })).toEqual([{ path: 'creator.name', code: 'unknown_field' }]);
  });

  it('reports every bad field at once, one issue per field', () => {
    const fields = [fieldOf('number'), fieldOf('date'), fieldOf('email', { required: true })];
    expect(checkForm(fields, { 'customFields.3': '3,5', 'customFields.4': '2025-02-30' })).toEqual([
      { path: 'customFields.3', code: 'invalid_number' },
      { path: 'customFields.4', code: 'invalid_date' },
      { path: 'customFields.5', code: 'required' },
    ]);
  });

  it('gives the values as they travel on: cleaned and trimmed', () => {
    const fields = [fieldOf('text'), fieldOf('multiline'), fieldOf('multichoice')];
    expect(checkValues(createFormSchema(fields), { 'customFields.1': ' Oslo\tsentrum ', 'customFields.2': 'a\r\nb ', 'customFields.11': ['oslo'] })).toEqual({
      ok: true,
      value: { 'customFields.1': 'Oslo sentrum', 'customFields.2': 'a\nb', 'customFields.11': ['oslo'] },
    });
  });
});

describe('checkValue: one value by its field spec', () => {
  const [title, , sentiment, name] = BUILT_IN_FIELDS;

  it.each<[string, FormField, FieldValue, FieldIssue | undefined]>([
    ['a title', title, 'Scratch', undefined],
    ['a blank title', title, '  ', { path: '', code: 'required' }],
    ['a title over its cap', title, 'x'.repeat(LIMITS.title + 1), { path: '', code: 'too_long', limit: LIMITS.title }],
    ['a sentiment', sentiment, 'praise', undefined],
    ['a sentiment Socialboards does not have', sentiment, 'anger', { path: '', code: 'invalid_choice' }],
    ['a blank name', name, '', undefined],
    ['a name over its cap', name, 'x'.repeat(LIMITS.name + 1), { path: '', code: 'too_long', limit: LIMITS.name }],
  ])('checks %s', (_, field, value, expected) => {
    expect(checkValue(fieldSchema(field), value)).toEqual(expected);
  });
});

describe('the category choice', () => {
  const picker = (required: boolean): FormField => ({
    path: CATEGORY_PATH,
    control: 'choice',
    required,
    choices: [
      { value: '12', label: 'Sales' },
      { value: '13', label: 'New cars', depth: 1 },
    ],
  });

  /** The codes for a request's `categoryId`, read and checked as the relay does. */
  const categoryIssues = (fields: FormField[], categoryId: number | undefined) => {
    const values = fromTicketFields(categoryId === undefined ? {} : { categoryId }, fields);
    if (!values.ok) return values.error.map(({ code }) => code);
    return checkForm(fields, values.value).map(({ code }) => code);
  };

  it.each<[string, FormField[], number | undefined, string[]]>([
    ['no picker and no choice', [], undefined, []],
    ['no picker but a choice', [], 12, ['unknown_field']],
    ['an optional picker left alone', [picker(false)], undefined, []],
    ['an offered root category', [picker(false)], 12, []],
    ['an offered child category', [picker(true)], 13, []],
    ['a category not offered', [picker(false)], 99, ['invalid_choice']],
    ['a required picker left alone', [picker(true)], undefined, ['required']],
  ])('%s: %j', (_, fields, categoryId, codes) => {
    expect(categoryIssues(fields, categoryId)).toEqual(codes);
  });

  it('travels as a number in the request and as its text in the values', () => {
    expect(fromTicketFields({ categoryId: 13 }, [picker(false)])).toEqual({ ok: true, value: { categoryId: '13' } });
    expect(toTicketFields({ categoryId: '13' })).toEqual({ creator: {}, categoryId: 13 });
  });
});

describe('fromTicketFields', () => {
  const fields = [fieldOf('text'), fieldOf('choice'), fieldOf('multichoice')];
  const [text, choice, multi] = [ID.text, ID.choice, ID.multichoice];

  it.each<[string, { id: number; value: string }[], FieldValues | undefined, FieldIssue[]]>([
    ['one entry per field', [{ id: text, value: 'Oslo' }, { id: choice, value: 'bergen' }], { [customFieldPath(text)]: 'Oslo', [customFieldPath(choice)]: 'bergen' }, []],
    ['the entries of a multichoice field as one list', [{ id: multi, value: 'oslo' }, { id: text, value: 'x' }, { id: multi, value: 'bergen' }], { [customFieldPath(text)]: 'x', [customFieldPath(multi)]: ['oslo', 'bergen'] }, []],
    ['a single multichoice entry as a list', [{ id: multi, value: 'oslo' }], { [customFieldPath(multi)]: ['oslo'] }, []],
    ['a repeated id of a text field as invalid', [{ id: text, value: 'Oslo' }, { id: text, value: 'Bergen' }], undefined, [{ path: customFieldPath(text), code: 'invalid' }]],
    ['a repeated id of a choice field as invalid', [{ id: choice, value: 'oslo' }, { id: choice, value: 'bergen' }], undefined, [{ path: customFieldPath(choice), code: 'invalid' }]],
    ['an unknown id as a value, for the schema to refuse', [{ id: 42623, value: 'Oslo' }], { 'customFields.42623': 'Oslo' }, []],
    ['nothing as nothing', [], {}, []],
  ])('groups %s', (_, customFields, values, issues) => {
    expect(fromTicketFields({ customFields }, fields)).toEqual(values === undefined ? { ok: false, error: issues } : { ok: true, value: values });
  });

  it('reads the built-in fields by path, null as absent', () => {
    expect(fromTicketFields({ title: 'T', message: null, sentiment: 'praise', creator: { name: 'Ann', email: null, phoneNumber: '+47 22 33 44 55' } }, [])).toEqual({
      ok: true,
      value: { title: 'T', sentiment: 'praise', 'creator.name': 'Ann', 'creator.phoneNumber': '+47 22 33 44 55' },
    });
  });
});

describe('toTicketFields', () => {
  it.each<[string, FieldValues, ReturnType<typeof toTicketFields>]>([
    ['one entry per value, with numeric ids', { 'customFields.1': 'Oslo', 'customFields.9': 'bergen' }, { creator: {}, customFields: [{ id: 1, value: 'Oslo' }, { id: 9, value: 'bergen' }] }],
    ['blanks left out', { 'customFields.1': '', 'customFields.2': '   ', 'customFields.9': 'oslo', 'creator.name': ' ' }, { creator: {}, customFields: [{ id: 9, value: 'oslo' }] }],
    ['one entry per chosen option', { 'customFields.10': ['oslo', 'bergen'] }, { creator: {}, customFields: [{ id: 10, value: 'oslo' }, { id: 10, value: 'bergen' }] }],
    ['a multichoice with nothing chosen left out', { 'customFields.10': [] }, { creator: {} }],
    ['an unticked checkbox as "false"', { 'customFields.8': 'false' }, { creator: {}, customFields: [{ id: 8, value: 'false' }] }],
    ['the built-in fields in their places', { title: 'T', 'creator.email': 'ann@example.com' }, { title: 'T', creator: { email: 'ann@example.com' } }],
  ])('lists %s', (_, values, request) => {
    expect(toTicketFields(values)).toEqual(request);
  });
});

describe('toTicketFields and fromTicketFields, for any values', () => {
  /** A form of every control, with the built-in fields and a picker. */
  const FIELDS: FormField[] = [
    ...BUILT_IN_FIELDS,
    ...CONTROLS.map((control) => fieldOf(control)),
    { path: CATEGORY_PATH, control: 'choice', required: false, choices: [{ value: '12' }, { value: '13' }] },
  ];
  const word = fc.string({ minLength: 1, maxLength: 12 }).filter((text) => text.trim() !== '');
  const valueOf = (field: FormField): fc.Arbitrary<FieldValue> => {
    if (field.path === CATEGORY_PATH) return fc.constantFrom('12', '13');
    if (field.control === 'multichoice') return fc.uniqueArray(fc.constantFrom(...CITIES.map((city) => city.value)), { minLength: 1 });
    return word;
  };
  const values = fc.record(Object.fromEntries(FIELDS.map((field) => [field.path, valueOf(field)])), { requiredKeys: [] }) as fc.Arbitrary<FieldValues>;

  it('gives the values back: a request built from values reads as those values', () => {
    fc.assert(
      fc.property(values, (given) => {
        expect(fromTicketFields(toTicketFields(given), FIELDS)).toEqual({ ok: true, value: given });
      }),
      { numRuns: 300 },
    );
  });

  it('gives the values back but their blanks, which the request leaves out', () => {
    const blank = fc.constantFrom('', ' ', '\n');
    fc.assert(
      fc.property(values, fc.constantFrom(...FIELDS.filter((field) => field.control !== 'multichoice').map((field) => field.path)), blank, (given, path, space) => {
        const { [path]: _gone, ...rest } = given;
        expect(fromTicketFields(toTicketFields({ ...given, [path]: space }), FIELDS)).toEqual({ ok: true, value: rest });
      }),
      { numRuns: 200 },
    );
  });
});
