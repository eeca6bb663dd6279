/** Prefill as pure functions: names to paths, text only, what a field starts with, and what a form cannot take. */
import { describe, expect, it, vi } from 'vitest';
import { BUILT_IN_FIELDS } from '../../src/shared/built-in-fields';
import { checkValue, fieldSchema } from '../../src/shared/field-values';
import type { FormField } from '../../src/shared/form-definition';
import { fitPrefill, initialValue, prefillValues } from '../../src/submitter/prefill';

const CITY: FormField = { path: 'customFields.42623', label: 'City', control: 'text', required: false, defaultValue: 'Oslo' };
const MODELS: FormField = {
  path: 'customFields.10',
  label: 'Models',
  control: 'multichoice',
  required: false,
  choices: [{ value: 'audi' }, { value: 'bmw' }],
};
const PLAN: FormField = { path: 'customFields.11', label: 'Plan', control: 'number', required: false, prefillOnly: true };
const check = (field: FormField, value: string | string[]) => checkValue(fieldSchema(field), value);

describe('prefillValues', () => {
  it('puts built-in fields, the category and custom fields at their request paths', () => {
    const report = vi.fn();
    expect(prefillValues({ email: 'a@b.co', phoneNumber: '+47 1', title: 'Hi', categoryId: 13, fields: { 42623: 'Oslo', 10: ['audi'] } }, report)).toEqual({
      'creator.email': 'a@b.co',
      'creator.phoneNumber': '+47 1',
      title: 'Hi',
      categoryId: '13',
      'customFields.42623': 'Oslo',
      'customFields.10': ['audi'],
    });
    expect(report).not.toHaveBeenCalled();
  });

  it('takes numbers and booleans as text, and reports null or an object by name', () => {
    const report = vi.fn();
    const raw = { name: null, fields: { 3: 42, 8: true, 9: { a: 1 } } } as unknown as Parameters<typeof prefillValues>[0];
    expect(prefillValues(raw, report)).toEqual({ 'customFields.3': '42', 'customFields.8': 'true' });
    expect(report.mock.calls).toEqual([['prefill for name must be text'], ['prefill for 9 must be text']]);
  });
});

describe('initialValue', () => {
  it.each<[string, FormField, Record<string, string | string[]>, string | string[]]>([
    ['the prefill over the default', CITY, { 'customFields.42623': 'Bergen' }, 'Bergen'],
    ['the default without a prefill', CITY, {}, 'Oslo'],
    ['nothing without either', BUILT_IN_FIELDS[0], {}, ''],
    ['a list for a multiple choice', MODELS, {}, []],
    ['one string as one choice of a multiple choice', MODELS, { 'customFields.10': 'bmw' }, ['bmw']],
  ])('starts a field with %s', (_, field, prefilled, expected) => {
    expect(initialValue(field, prefilled)).toEqual(expected);
  });
});

describe('fitPrefill', () => {
  const fields = [...BUILT_IN_FIELDS.filter(({ path }) => path !== 'creator.phoneNumber'), CITY, PLAN];

  it.each([
    ['a custom field the form lacks', { 'customFields.99': 'x' }, 'prefill sets 99, but this form does not ask for it; it was ignored'],
    ['a category without a picker', { categoryId: '13' }, 'prefill sets categoryId, but this form does not ask for it; it was ignored'],
    ['a built-in field the relay hides', { 'creator.phoneNumber': '+47 1' }, 'prefill sets phoneNumber, but this form does not ask for it; it was ignored'],
  ])('reports %s', (_, prefilled, problem) => {
    expect(fitPrefill(fields, prefilled, check)).toEqual({ problems: [problem], dropped: new Set() });
  });

  it('drops an invalid value of a field nobody sees, and leaves a visible one for the visitor to correct', () => {
    const fit = fitPrefill(fields, { 'customFields.11': 'many', 'creator.email': 'not an address' }, check);
    expect(fit.problems).toEqual(['prefill for hidden field 11 is not valid (invalid_number); it was ignored']);
    expect([...fit.dropped]).toEqual(['customFields.11']);
  });
});
