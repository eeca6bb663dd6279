/** Custom field values and the category choice, checked against a form definition as widget and relay both do. */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  checkAgainstForm,
  createCategorySchema,
  groupCustomFields,
  listCustomFields,
  type CustomValue,
} from '../../src/shared/custom-fields';
import { toFieldIssues, type FieldIssue } from '../../src/shared/field-issues';
import type { Control, FormCategories, FormDefinition, FormField } from '../../src/shared/form-definition';
import { LIMITS } from '../../src/shared/limits';

const CITIES = [
  { value: 'oslo', label: 'Oslo' },
  { value: 'bergen', label: 'Bergen' },
];

/** One field per control, with ids 1 to 10 in the order of CONTROLS. */
const ID: Record<Control, number> = {
  text: 1,
  multiline: 2,
  number: 3,
  date: 4,
  email: 5,
  phone: 6,
  url: 7,
  checkbox: 8,
  choice: 9,
  multichoice: 10,
};

function fieldOf(control: Control, extra: Partial<FormField> = {}): FormField {
  const choices = control.includes('choice') ? { choices: CITIES } : {};
  return { id: ID[control], label: control, control, required: false, ...choices, ...extra };
}

/** The issues for one field holding `value` (undefined: the key is absent). */
function issuesFor(field: FormField, value: CustomValue | undefined): FieldIssue[] {
  const form: FormDefinition = { fields: [field], categories: null };
  return checkAgainstForm(form, value === undefined ? {} : { [field.id]: value }, undefined);
}

const issue = (control: Control, code: string, limit?: number) => [
  limit === undefined ? { path: `customFields.${ID[control]}`, code } : { path: `customFields.${ID[control]}`, code, limit },
];

describe('checkAgainstForm: a value each control accepts', () => {
  it.each<[Control, CustomValue]>([
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
    ['multichoice', ['oslo']],
    ['multichoice', ['oslo', 'bergen']],
  ])('%s accepts %j, optional or required', (control, value) => {
    expect(issuesFor(fieldOf(control), value)).toEqual([]);
    expect(issuesFor(fieldOf(control, { required: true }), value)).toEqual([]);
  });
});

describe('checkAgainstForm: blank and missing values', () => {
  const controls = Object.keys(ID) as Control[];
  const blank = (control: Control): CustomValue => (control === 'multichoice' ? [] : '');

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

describe('checkAgainstForm: values in the wrong format', () => {
  it.each<[Control, CustomValue, string]>([
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

  it('reports an id the form does not have as unknown_field at its path', () => {
    const form: FormDefinition = { fields: [fieldOf('text')], categories: null };
    expect(checkAgainstForm(form, { 1: 'Oslo', 42623: 'Oslo' }, undefined)).toEqual([
      { path: 'customFields.42623', code: 'unknown_field' },
    ]);
  });

  it('reports every bad field at once, one issue per field', () => {
    const form: FormDefinition = {
      fields: [fieldOf('number'), fieldOf('date'), fieldOf('email', { required: true })],
      categories: null,
    };
    expect(checkAgainstForm(form, { 3: '3,5', 4: '2025-02-30' }, undefined)).toEqual([
      { path: 'customFields.3', code: 'invalid_number' },
      { path: 'customFields.4', code: 'invalid_date' },
      { path: 'customFields.5', code: 'required' },
    ]);
  });
});

describe('the category choice', () => {
  const categories = (required: boolean): FormCategories => ({
    required,
    options: [
      { id: 12, name: 'Sales', parentId: null, depth: 0 },
      { id: 13, name: 'New cars', parentId: 12, depth: 1 },
    ],
  });

  const categoryIssues = (picker: FormCategories | null, categoryId: unknown) => {
    const result = v.safeParse(createCategorySchema(picker), categoryId);
    return result.success ? [] : toFieldIssues(result.issues).map(({ code }) => code);
  };

  it.each<[string, FormCategories | null, unknown, string[]]>([
    ['no picker and no choice', null, undefined, []],
    ['no picker but a choice', null, 12, ['invalid_choice']],
    ['an optional picker left alone', categories(false), undefined, []],
    ['an offered root category', categories(false), 12, []],
    ['an offered child category', categories(true), 13, []],
    ['a category not offered', categories(false), 99, ['invalid_choice']],
    ['a required picker left alone', categories(true), undefined, ['required']],
    ['an id that is not a number', categories(false), '12', ['invalid']],
  ])('%s: %j', (_, picker, categoryId, codes) => {
    expect(categoryIssues(picker, categoryId)).toEqual(codes);
  });

  it('reports the category at the path categoryId', () => {
    const form: FormDefinition = { fields: [], categories: categories(true) };
    expect(checkAgainstForm(form, {}, undefined)).toEqual([{ path: 'categoryId', code: 'required' }]);
    expect(checkAgainstForm(form, {}, 99)).toEqual([{ path: 'categoryId', code: 'invalid_choice' }]);
    expect(checkAgainstForm(form, {}, 13)).toEqual([]);
  });
});

describe('groupCustomFields', () => {
  const fields = [fieldOf('text'), fieldOf('choice'), fieldOf('multichoice')];

  it.each<[string, { id: number; value: string }[], Record<string, CustomValue>, FieldIssue[]]>([
    ['one entry per field', [{ id: 1, value: 'Oslo' }, { id: 9, value: 'bergen' }], { 1: 'Oslo', 9: 'bergen' }, []],
    ['the entries of a multichoice field as one list', [{ id: 10, value: 'oslo' }, { id: 1, value: 'x' }, { id: 10, value: 'bergen' }], { 1: 'x', 10: ['oslo', 'bergen'] }, []],
    ['a single multichoice entry as a list', [{ id: 10, value: 'oslo' }], { 10: ['oslo'] }, []],
    ['a repeated id of a text field as invalid, keeping the first', [{ id: 1, value: 'Oslo' }, { id: 1, value: 'Bergen' }], { 1: 'Oslo' }, [{ path: 'customFields.1', code: 'invalid' }]],
    ['a repeated id of a choice field as invalid', [{ id: 9, value: 'oslo' }, { id: 9, value: 'bergen' }], { 9: 'oslo' }, [{ path: 'customFields.9', code: 'invalid' }]],
    ['an unknown id as a value, for the schema to refuse', [{ id: 42623, value: 'Oslo' }], { 42623: 'Oslo' }, []],
    ['nothing as nothing', [], {}, []],
  ])('groups %s', (_, list, values, issues) => {
    expect(groupCustomFields(list, fields)).toEqual({ values, issues });
  });
});

describe('listCustomFields', () => {
  it.each<[string, Record<string, CustomValue>, { id: number; value: string }[]]>([
    ['one entry per value, with numeric ids', { 1: 'Oslo', 9: 'bergen' }, [{ id: 1, value: 'Oslo' }, { id: 9, value: 'bergen' }]],
    ['trimmed text', { 1: '  Oslo \n' }, [{ id: 1, value: 'Oslo' }]],
    ['blanks left out', { 1: '', 2: '   ', 9: 'oslo' }, [{ id: 9, value: 'oslo' }]],
    ['one entry per chosen option', { 10: ['oslo', 'bergen'] }, [{ id: 10, value: 'oslo' }, { id: 10, value: 'bergen' }]],
    ['a multichoice with nothing chosen left out', { 10: [] }, []],
    ['an unticked checkbox as "false"', { 8: 'false' }, [{ id: 8, value: 'false' }]],
  ])('lists %s', (_, values, list) => {
    expect(listCustomFields(values)).toEqual(list);
  });

  it('is undone by groupCustomFields', () => {
    const values = { 1: 'Oslo', 9: 'bergen', 10: ['oslo', 'bergen'] };
    expect(groupCustomFields(listCustomFields(values), [fieldOf('text'), fieldOf('choice'), fieldOf('multichoice')])).toEqual({
      values,
      issues: [],
    });
  });
});
