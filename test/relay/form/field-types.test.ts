import { describe, expect, it } from 'vitest';
import { FIELD_TYPES, resolveFieldType } from '../../../src/relay/form/field-types';
import type { TypeInput } from '../../../src/relay/form/field-types';

const OPTIONS = [{ order: 1, value: 'Oslo' }];

describe('the type table', () => {
  it('marks only region as known from the docs', () => {
    expect(Object.entries(FIELD_TYPES).filter(([, mapping]) => mapping.source === 'KNOWN').map(([type]) => type)).toEqual(['region']);
  });

  it.each<[string, TypeInput, ReturnType<typeof resolveFieldType>]>([
    ['region is a single choice', { type: 'region', possibleValues: OPTIONS }, { control: 'choice', format: undefined }],
    ['text is text', { type: 'text', possibleValues: [] }, { control: 'text', format: undefined }],
    ['textarea is multi-line', { type: 'textarea', possibleValues: [] }, { control: 'multiline', format: undefined }],
    ['number takes decimals', { type: 'number', possibleValues: [] }, { control: 'number', format: 'decimal' }],
    ['date takes ISO dates', { type: 'date', possibleValues: [] }, { control: 'date', format: 'iso-date' }],
    ['email', { type: 'email', possibleValues: [] }, { control: 'email', format: undefined }],
    ['phone', { type: 'phone', possibleValues: [] }, { control: 'phone', format: undefined }],
    ['url', { type: 'url', possibleValues: [] }, { control: 'url', format: undefined }],
    ['checkbox takes true/false', { type: 'checkbox', possibleValues: [] }, { control: 'checkbox', format: 'true-false' }],
    ['multiselect joins with commas', { type: 'multiselect', possibleValues: OPTIONS }, { control: 'multichoice', format: 'comma' }],
    ['type names ignore case', { type: 'Date', possibleValues: [] }, { control: 'date', format: 'iso-date' }],
    ['an unknown type with options is a single choice', { type: 'dropdown', possibleValues: OPTIONS }, { control: 'choice', format: undefined }],
    ['an unknown type without options is text', { type: 'rating', possibleValues: [] }, { control: 'text', format: undefined }],
    ['a type named like an Object member is still unknown', { type: 'constructor', possibleValues: [] }, { control: 'text', format: undefined }],
    ['the operator control wins', { type: 'text', possibleValues: [], control: 'date' }, { control: 'date', format: 'iso-date' }],
    ['the operator control wins over options', { type: 'region', possibleValues: OPTIONS, control: 'text' }, { control: 'text', format: undefined }],
    ['the operator format wins', { type: 'date', possibleValues: [], format: 'dd.mm.yyyy' }, { control: 'date', format: 'dd.mm.yyyy' }],
  ])('%s', (_name, input, expected) => {
    expect(resolveFieldType(input)).toEqual(expected);
  });
});
