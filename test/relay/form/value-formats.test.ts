import { describe, expect, it } from 'vitest';
import type { Control } from '../../../src/shared/form-definition';
import { CONTROLS } from '../../../src/shared/form-definition';
import { VALUE_FORMATS, defaultFormat, fitsControl, formatsOf, toUpstreamValue } from '../../../src/relay/form/value-formats';
import type { ValueFormat } from '../../../src/relay/form/value-formats';

describe('value formats', () => {
  it.each<[Control, ValueFormat | undefined, string | string[], string]>([
    ['date', 'iso-date', '2025-03-07', '2025-03-07'],
    ['date', 'dd.mm.yyyy', '2025-03-07', '07.03.2025'],
    ['date', 'mm/dd/yyyy', '2025-03-07', '03/07/2025'],
    ['date', 'iso-datetime', '2025-03-07', '2025-03-07T00:00:00'],
    ['number', 'decimal', '-3.5', '-3.5'],
    ['number', 'decimal-comma', '-3.5', '-3,5'],
    ['number', 'decimal-comma', '42', '42'],
    ['checkbox', 'true-false', 'true', 'true'],
    ['checkbox', 'true-false', 'false', 'false'],
    ['checkbox', '1-0', 'true', '1'],
    ['checkbox', '1-0', 'false', '0'],
    ['checkbox', 'yes-no', 'true', 'yes'],
    ['checkbox', 'yes-no', 'false', 'no'],
    ['multichoice', 'comma', ['Financing', 'Trade-in'], 'Financing,Trade-in'],
    ['multichoice', 'semicolon', ['Financing', 'Trade-in'], 'Financing;Trade-in'],
    ['multichoice', 'newline', ['Financing', 'Trade-in'], 'Financing\nTrade-in'],
    ['multichoice', 'json', ['Financing', 'Trade-in'], '["Financing","Trade-in"]'],
    ['multichoice', 'comma', ['Insurance'], 'Insurance'],
    ['text', undefined, '  A-1 ', 'A-1'],
    ['multiline', undefined, 'Line one\nline two', 'Line one\nline two'],
    ['email', undefined, 'ann@example.com', 'ann@example.com'],
    ['phone', undefined, '+47 22 33 44 55', '+47 22 33 44 55'],
    ['url', undefined, 'https://cars.example/y', 'https://cars.example/y'],
    ['choice', undefined, 'Oslo', 'Oslo'],
  ])('sends a %s in %s: %j → %j', (control, format, value, expected) => {
    expect(toUpstreamValue(control, format, value)).toBe(expected);
  });

  it.each<[Control, ValueFormat | undefined]>([
    ['date', 'iso-date'],
    ['number', 'decimal'],
    ['checkbox', 'true-false'],
    ['multichoice', 'comma'],
    ['text', undefined],
    ['choice', undefined],
  ])('defaults %s to %s', (control, format) => {
    expect(defaultFormat(control)).toBe(format);
  });

  it('gives every format to exactly one control', () => {
    for (const format of VALUE_FORMATS) {
      expect(CONTROLS.filter((control) => fitsControl(control, format))).toHaveLength(1);
    }
    expect(formatsOf('email')).toEqual([]);
  });
});
