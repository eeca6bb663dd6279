/**
 * Clean text and the request schema, by property (fast-check): for any text at all, cleaning
 * agrees with a plain code-point-by-code-point reading of the rules, is idempotent, gives NFC,
 * lets nothing forbidden through, leaves ordinary text alone, and never throws.
 */
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { cleanLine, cleanLines, isSendable } from '../../src/shared/clean-text';
import { BUILT_IN_FIELDS } from '../../src/shared/built-in-fields';
import { toFieldIssues, type FieldIssue } from '../../src/shared/field-issues';
import { checkValues, createFormSchema, fromTicketFields, toTicketFields, type FieldValues } from '../../src/shared/field-values';
import { LIMITS } from '../../src/shared/limits';
import { fail, ok, type Result } from '../../src/shared/result';
import { TicketRequest } from '../../src/shared/ticket-request';
import { codePoints, expectedClean, isBidiControl, isJunk, isRefused, LINE_BREAKS } from './clean-text-reference';

const reference = (text: string, multiline: boolean) => expectedClean(text, { multiline });

/** Characters the rules single out, and accents and letters they can meet. */
const SPECIAL = [
  '\0', '\t', '\n', '\r', '\r\n', '\v', '\f', '\x1b', '\x07', '\b', '\x7f', '\x80', '\x85', '\x92', '\x9f',
  '\u2028', '\u2029', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069',
  '\u200e', '\u200f', '\u061c', '\u200b', '\ufeff', '\u00a0', ' ', 'e', 'A', '\u0301', '\u0308', '\u0327',
  '\u212b', '\u1100', '\u1161', '\uac00', '😀', '\ud83d', '\ude00', '<', '&', '"', '\\',
];
/** One code point or one special, mostly specials so that they meet: any Unicode, lone surrogates included. */
const CHAR = fc.oneof(
  { arbitrary: fc.constantFrom(...SPECIAL), weight: 8 },
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 1 },
  { arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)), weight: 1 },
);
const anyText = fc.string({ unit: CHAR, maxLength: 40 });
const sendableText = anyText.filter((text) => !isRefused(text));

const RUNS = { numRuns: 2000 };

it('refuses exactly the text that holds NUL or a lone surrogate', () => {
  fc.assert(fc.property(anyText, (text) => isSendable(text) === !isRefused(text)), RUNS);
});

describe.each([
  ['a single-line field', cleanLine, false],
  ['a multi-line field', cleanLines, true],
] as const)('cleaning %s', (_, clean, multiline) => {
  it('agrees with the rule read one code point at a time', () => {
    fc.assert(fc.property(sendableText, (text) => clean(text) === reference(text, multiline)), RUNS);
  });

  it('is idempotent', () => {
    fc.assert(fc.property(sendableText, (text) => clean(clean(text)) === clean(text)), RUNS);
  });

  it('gives NFC', () => {
    fc.assert(fc.property(sendableText, (text) => clean(text) === clean(text).normalize('NFC')), RUNS);
  });

  it('lets no junk control, CR or other line break but LF through', () => {
    fc.assert(
      fc.property(sendableText, (text) =>
        codePoints(clean(text)).every((cp) => !isJunk(cp) && (cp === 0x0a ? multiline : !LINE_BREAKS.has(cp))),
      ),
      RUNS,
    );
  });

  it(multiline ? 'keeps tabs and bidi controls' : 'lets no tab or bidi control through', () => {
    fc.assert(
      fc.property(sendableText, (text) => {
        const kept = codePoints(clean(text)).filter((cp) => cp === 0x09 || isBidiControl(cp)).length;
        const sent = codePoints(text).filter((cp) => cp === 0x09 || isBidiControl(cp)).length;
        return multiline ? kept === sent : kept === 0;
      }),
      RUNS,
    );
  });

  it('leaves ordinary text (NFC, no controls, breaks or bidi controls) exactly as it is', () => {
    const ordinary = sendableText
      .map((text) => text.normalize('NFC'))
      .filter((text) => codePoints(text).every((cp) => !isJunk(cp) && !LINE_BREAKS.has(cp) && cp !== 0x09 && !isBidiControl(cp)));
    fc.assert(fc.property(ordinary, (text) => clean(text) === text), RUNS);
  });
});

const BUILT_IN_SCHEMA = createFormSchema(BUILT_IN_FIELDS);

/** A request checked as the relay checks it (its shape, then its values by the built-in fields), as it travels on. */
function parse(input: unknown): Result<ReturnType<typeof toTicketFields>, FieldIssue[]> {
  const shaped = v.safeParse(TicketRequest, input);
  if (!shaped.success) return fail(toFieldIssues(shaped.issues));
  const values = fromTicketFields(shaped.output, BUILT_IN_FIELDS);
  const checked = values.ok ? checkValues(BUILT_IN_SCHEMA, values.value) : values;
  return checked.ok ? ok(toTicketFields(checked.value)) : checked;
}
const email = 'ann@example.com';

describe('the request, for any text in any built-in field', () => {
  it('never throws, whatever the body', () => {
    fc.assert(fc.property(fc.anything(), (input) => typeof parse(input).ok === 'boolean'), RUNS);
  });

  it('gives each field its cleaned, trimmed text, or refuses it with a code that says why', () => {
    fc.assert(
      fc.property(anyText, anyText, anyText, (title, message, name) => {
        const result = parse({ title, message, creator: { name, email } });
        const expected = {
          title: !isRefused(title) ? cleanLine(title).trim() : undefined,
          message: !isRefused(message) ? cleanLines(message).trim() : undefined,
          name: !isRefused(name) ? cleanLine(name).trim() : undefined,
        };
        const codes = Object.fromEntries(result.ok ? [] : result.error.map((issue) => [issue.path, issue.code]));
        expect(codes.title).toBe(expected.title === undefined ? 'invalid_text' : expected.title === '' ? 'required' : undefined);
        expect(codes.message).toBe(expected.message === undefined ? 'invalid_text' : expected.message === '' ? 'required' : undefined);
        expect(codes['creator.name']).toBe(expected.name === undefined ? 'invalid_text' : undefined);
        if (result.ok) {
          expect(result.value).toEqual({ title: expected.title, message: expected.message, creator: { ...(expected.name ? { name: expected.name } : {}), email } });
        }
      }),
      RUNS,
    );
  });

  it('accepts its own output unchanged (the relay re-checks what the widget sent)', () => {
    fc.assert(
      fc.property(anyText, anyText, anyText, anyText, (title, message, name, phoneNumber) => {
        const first = parse({ title, message, creator: { name, email, phoneNumber } });
        if (!first.ok) return true;
        const again = parse(first.value);
        return again.ok && JSON.stringify(again.value) === JSON.stringify(first.value);
      }),
      RUNS,
    );
  });

  it('holds every cap after cleaning', () => {
    const long = fc.string({ unit: CHAR, maxLength: 400 });
    fc.assert(
      fc.property(long, long, (title, name) => {
        const result = parse({ title, message: 'Hello', creator: { name, email } });
        return !result.ok || ((result.value.title?.length ?? 0) <= LIMITS.title && (result.value.creator.name?.length ?? 0) <= LIMITS.name);
      }),
      RUNS,
    );
  });

  it(`accepts an email only when its local part is at most ${LIMITS.emailLocalPart} characters`, () => {
    const local = fc.string({ unit: fc.constantFrom('a', 'b', '.', '_', '+', '-'), minLength: 1, maxLength: 90 });
    fc.assert(
      fc.property(local, (part) => {
        const result = parse({ title: 'Hi', message: 'Hello', creator: { email: `${part}@example.com` } });
        return !result.ok || part.length <= LIMITS.emailLocalPart;
      }),
      RUNS,
    );
  });
});

const FORM_SCHEMA = createFormSchema([
  { path: 'customFields.1', label: 'Text', control: 'text', required: false },
  { path: 'customFields.2', label: 'Multiline', control: 'multiline', required: false },
]);

const checkCustom = (values: FieldValues): { values: FieldValues; issues: FieldIssue[] } => {
  const result = checkValues(FORM_SCHEMA, values);
  return result.ok ? { values: result.value, issues: [] } : { values: {}, issues: result.error };
};

describe('custom text fields, for any text', () => {
  it('are cleaned by their control, refused only for what cannot be sent, and clean again to themselves', () => {
    fc.assert(
      fc.property(anyText, anyText, (text, lines) => {
        const { values, issues } = checkCustom({ 'customFields.1': text, 'customFields.2': lines });
        const refused = issues.map((issue) => `${issue.path} ${issue.code}`).sort();
        const expected = [
          ...(!isRefused(text) ? [] : ['customFields.1 invalid_text']),
          ...(!isRefused(lines) ? [] : ['customFields.2 invalid_text']),
        ];
        expect(refused).toEqual(expected);
        if (refused.length > 0) return;
        expect(values).toEqual({ 'customFields.1': cleanLine(text).trim(), 'customFields.2': cleanLines(lines).trim() });
        expect(checkCustom(values).values).toEqual(values);
      }),
      RUNS,
    );
  });
});
