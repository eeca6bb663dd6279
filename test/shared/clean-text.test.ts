/** Clean text, rule by rule: what each kind of field does with what a visitor (or a forger) sends. */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { cleanLine, cleanLines, isSendable } from '../../src/shared/clean-text';
import { BUILT_IN_FIELDS } from '../../src/shared/built-in-fields';
import { FIELD_ISSUE_TEXT_EN, toFieldIssues, type FieldIssue } from '../../src/shared/field-issues';
import { checkValues, createFormSchema, fromTicketFields, toTicketFields, type FieldValues } from '../../src/shared/field-values';
import type { FormField } from '../../src/shared/form-definition';
import { LIMITS } from '../../src/shared/limits';
import { TicketRequest } from '../../src/shared/ticket-request';

const NFD_E_ACUTE = 'e\u0301';

describe('a single-line field', () => {
  it.each([
    ['composes letters and accents (NFC)', `Caf${NFD_E_ACUTE}`, 'Café'],
    ['turns a line break into a space', 'Broken\nmirror', 'Broken mirror'],
    ['turns CR LF into one space', 'Broken\r\nmirror', 'Broken mirror'],
    ['turns each of two line breaks into a space', 'a\n\nb', 'a  b'],
    ['turns a tab into a space', 'Order\t42', 'Order 42'],
    ['turns the other line breaks into spaces (VT, FF, NEL, LS, PS)', 'a\vb\fc\u0085d\u2028e\u2029f', 'a b c d e f'],
    ['removes a right-to-left override (the invoice trick)', 'Invoice \u202Egpj.exe', 'Invoice gpj.exe'],
    ['removes every embedding, override and isolate', '\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069x', 'x'],
    ['keeps the bidi marks LRM, RLM and ALM', 'a\u200Eb\u200Fc\u061Cd', 'a\u200Eb\u200Fc\u061Cd'],
    ['removes ESC of terminal colours', 'Roses are \u001b[0;31mred', 'Roses are [0;31mred'],
    ['removes BEL, BS and DEL', 'a\u0007b\bc\u007Fd', 'abcd'],
    ['removes C1 controls', 'it\u0092s', 'its'],
    ['lets an accent removed junk stood between compose', `e\u0007\u0301`, 'é'],
    ['keeps everything else exactly', 'Ẓ̵̡ a 😀 ﷽ \uFEFF \u200B <b>&amp;</b> \u00A0', 'Ẓ̵̡ a 😀 ﷽ \uFEFF \u200B <b>&amp;</b> \u00A0'],
  ])('%s', (_, input, output) => {
    expect(cleanLine(input)).toBe(output);
  });
});

describe('a multi-line field', () => {
  it.each([
    ['composes letters and accents (NFC)', `Caf${NFD_E_ACUTE}`, 'Café'],
    ['keeps a line break', 'Hello\nthere', 'Hello\nthere'],
    ['turns CR LF and a lone CR into LF', 'a\r\nb\rc', 'a\nb\nc'],
    ['turns the other line breaks into LF (VT, FF, NEL, LS, PS)', 'a\vb\fc\u0085d\u2028e\u2029f', 'a\nb\nc\nd\ne\nf'],
    ['keeps a tab', 'Qty\tPrice', 'Qty\tPrice'],
    ['keeps bidi controls, which right-to-left writing uses', 'a \u2067שלום\u2069 b \u202Ex', 'a \u2067שלום\u2069 b \u202Ex'],
    ['removes C0, DEL and C1 junk', 'a\u0001\u001b\u007F\u0080\u009Fb', 'ab'],
  ])('%s', (_, input, output) => {
    expect(cleanLines(input)).toBe(output);
  });
});

describe('what only a forged request can hold', () => {
  it.each([
    ['NUL', 'a\u0000b'],
    ['a lone high surrogate', 'a\uD83Db'],
    ['a lone low surrogate', '\uDE00'],
    ['a pair in the wrong order', '\uDE00\uD83D'],
  ])('%s is not sendable', (_, text) => {
    expect(isSendable(text)).toBe(false);
  });

  it('a whole surrogate pair (an emoji) is sendable', () => {
    expect(isSendable('Thanks 😀')).toBe(true);
  });
});

const MINIMAL = { title: 'Hi', message: 'Hello', creator: { email: 'ann@example.com' } };

const BUILT_IN_SCHEMA = createFormSchema(BUILT_IN_FIELDS);

/** A request checked as the relay checks it (its shape, then its values by the built-in fields), as it travels on. */
function parse(input: unknown) {
  const shaped = v.safeParse(TicketRequest, input);
  if (!shaped.success) return { issues: toFieldIssues(shaped.issues) };
  const values = fromTicketFields(shaped.output, BUILT_IN_FIELDS);
  const checked = values.ok ? checkValues(BUILT_IN_SCHEMA, values.value) : values;
  return checked.ok ? { output: toTicketFields(checked.value) } : { issues: checked.error };
}

describe('the request, by its built-in fields', () => {
  it('cleans each built-in field by its rule', () => {
    const input = {
      title: ` Invoice \u202Egpj.exe\r\nnow `,
      message: `Caf${NFD_E_ACUTE}\r\n\tQty\u0007 \u202Ex`,
      creator: { name: 'Ann\tLee\u2066', email: '\u202Aann@example.com\u202C', phoneNumber: '+47\u000722 33 44 55' },
    };
    expect(parse(input)).toEqual({
      output: {
        title: 'Invoice gpj.exe now',
        message: 'Café\n\tQty \u202Ex',
        creator: { name: 'Ann Lee', email: 'ann@example.com', phoneNumber: '+4722 33 44 55' },
      },
    });
  });

  it.each([
    ['title', { ...MINIMAL, title: 'a\u0000b' }],
    ['message', { ...MINIMAL, message: 'half \uD83D of it' }],
    ['creator.name', { ...MINIMAL, creator: { ...MINIMAL.creator, name: '\uDE00' } }],
    ['creator.email', { ...MINIMAL, creator: { email: 'ann@example.com\u0000' } }],
    ['creator.phoneNumber', { ...MINIMAL, creator: { ...MINIMAL.creator, phoneNumber: '\u0000' } }],
  ])('refuses NUL or a lone surrogate in %s with invalid_text', (path, input) => {
    expect(parse(input)).toEqual({ issues: [{ path, code: 'invalid_text' }] });
  });

  it('counts a title blank once cleaned as missing', () => {
    expect(parse({ ...MINIMAL, title: '\u202E\u0007\t\n' })).toEqual({ issues: [{ path: 'title', code: 'required' }] });
  });

  it('applies the length cap to the cleaned text', () => {
    const title = `${'x'.repeat(LIMITS.title)}\u202E\u0007`;
    expect(parse({ ...MINIMAL, title })).toEqual({ output: { ...MINIMAL, title: 'x'.repeat(LIMITS.title) } });
  });

  it(`accepts an email whose local part is ${LIMITS.emailLocalPart} characters, and refuses one more`, () => {
    const at = (length: number) => ({ ...MINIMAL, creator: { email: `${'a'.repeat(length)}@example.com` } });
    expect(parse(at(LIMITS.emailLocalPart))).toEqual({ output: at(LIMITS.emailLocalPart) });
    expect(parse(at(LIMITS.emailLocalPart + 1))).toEqual({ issues: [{ path: 'creator.email', code: 'email_local_too_long' }] });
  });

  it('names the local part limit in its message', () => {
    expect(FIELD_ISSUE_TEXT_EN.email_local_too_long).toContain(String(LIMITS.emailLocalPart));
  });
});

const FORM_SCHEMA = createFormSchema([
  { path: 'customFields.1', label: 'Car model', control: 'text', required: false },
  { path: 'customFields.2', label: 'What happened?', control: 'multiline', required: false },
  { path: 'customFields.3', label: 'Region', control: 'choice', required: false, choices: [{ value: 'Oslo\tNorth', label: 'Oslo' }] },
  { path: 'customFields.4', label: 'Other email', control: 'email', required: false },
  { path: 'customFields.5', label: 'Listing', control: 'url', required: false },
] satisfies FormField[]);

/** Custom values by id, checked: the values as they travel on, or the issues. */
function checkCustom(byId: Record<number, string>): { values: FieldValues } | { issues: FieldIssue[] } {
  const result = checkValues(FORM_SCHEMA, Object.fromEntries(Object.entries(byId).map(([id, value]) => [`customFields.${id}`, value])));
  return result.ok ? { values: result.value } : { issues: result.error };
}

describe('custom fields, by control', () => {
  it('cleans text by the single-line rule and multiline by the multi-line rule', () => {
    const values = { 1: ' Model\tY\u202E\r\n', 2: `Caf${NFD_E_ACUTE}\r\n\tdent\u0007`, 5: 'https://cars.example/\u0007y' };
    expect(checkCustom(values)).toEqual({
      values: { 'customFields.1': 'Model Y', 'customFields.2': 'Café\n\tdent', 'customFields.5': 'https://cars.example/y' },
    });
  });

  it('compares a choice with its options exactly as sent', () => {
    expect(checkCustom({ 3: 'Oslo\tNorth' })).toEqual({ values: { 'customFields.3': 'Oslo\tNorth' } });
  });

  it('refuses a web address the URL parser would have mended (a tab inside the host)', () => {
    expect(checkCustom({ 5: 'https://cars.exa\tmple/' })).toEqual({ issues: [{ path: 'customFields.5', code: 'invalid_url' }] });
  });

  it.each([
    [1, 'a\u0000b'],
    [2, '\uD800'],
    [4, 'ann@example.com\uDC00'],
  ])('refuses NUL or a lone surrogate in field %i with invalid_text', (id, value) => {
    expect(checkCustom({ [id]: value })).toEqual({ issues: [{ path: `customFields.${id}`, code: 'invalid_text' }] });
  });

  it('refuses an email field whose local part is too long', () => {
    expect(checkCustom({ 4: `${'a'.repeat(LIMITS.emailLocalPart + 1)}@example.com` })).toEqual({
      issues: [{ path: 'customFields.4', code: 'email_local_too_long' }],
    });
  });
});
