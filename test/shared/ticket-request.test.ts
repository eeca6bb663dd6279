/**
 * The request contract: what the widget and the relay accept, and how they name every problem —
 * the body's shape (TicketRequest), then its values by path against the built-in field specs
 * (fieldSchema through checkValues), as the relay checks a request.
 */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_FIELDS } from '../../src/shared/built-in-fields';
import { toFieldIssues, type FieldIssue } from '../../src/shared/field-issues';
import { checkValues, createFormSchema, fromTicketFields, toTicketFields, type FieldValues } from '../../src/shared/field-values';
import type { FormField } from '../../src/shared/form-definition';
import { LIMITS } from '../../src/shared/limits';
import { TicketRequest } from '../../src/shared/ticket-request';

/** The Create Ticket example from the Socialboards docs, trimmed to what a visitor may send. */
const SEED = {
  title: 'New car price list.',
  message: 'Hello I want to buy a new car, how can I get a price list?',
  sentiment: 'question',
  creator: { name: 'Bill Smith', email: 'bill_smith@gmail.com' },
};

const MINIMAL = { title: 'Hi', message: 'Hello', creator: { email: 'ann@example.com' } };

const ATTACHMENT_ID = 'a1b2c3d4e5f6a7b8c9d0';

/** The built-in fields, a custom text field 42623 and a category picker offering 15597. */
const FIELDS: FormField[] = [
  ...BUILT_IN_FIELDS,
  { path: 'customFields.42623', control: 'text', required: false },
  { path: 'categoryId', control: 'choice', required: false, choices: [{ value: '15597' }] },
];

/** The field issues a check reports (the shape's first, then the values'), or the checked values by path. */
function parse(input: unknown, fields: readonly FormField[] = FIELDS): { output: FieldValues } | { issues: FieldIssue[] } {
  const shaped = v.safeParse(TicketRequest, input);
  if (!shaped.success) return { issues: toFieldIssues(shaped.issues) };
  const values = fromTicketFields(shaped.output, fields);
  if (!values.ok) return { issues: values.error };
  const checked = checkValues(createFormSchema(fields), values.value);
  return checked.ok ? { output: checked.value } : { issues: checked.error };
}

/** The request a check's output travels on as: blanks left out, the attachments as sent. */
const sent = (input: unknown, fields?: readonly FormField[]) => {
  const result = parse(input, fields);
  const { attachments } = input as { attachments?: unknown };
  return 'output' in result ? { output: { ...toTicketFields(result.output), ...(attachments === undefined ? {} : { attachments }) } } : result;
};

const withCreator = (creator: Record<string, unknown>) => ({ ...MINIMAL, creator: { ...MINIMAL.creator, ...creator } });

describe('valid requests', () => {
  it.each([
    ['the Socialboards seed example', SEED],
    ['the minimal request', MINIMAL],
    ['every optional field', {
      ...SEED,
      creator: { ...SEED.creator, phoneNumber: '+47 22 33 44 55' },
      customFields: [{ id: 42623, value: 'Oslo' }],
      attachments: [ATTACHMENT_ID],
      categoryId: 15597,
    }],
    ['each sentiment', { ...MINIMAL, sentiment: 'complaint' }],
    ['a title of exactly the limit', { ...MINIMAL, title: 'x'.repeat(LIMITS.title) }],
    ['a message of exactly the limit', { ...MINIMAL, message: 'x'.repeat(LIMITS.message) }],
    ['a phone with separators', withCreator({ phoneNumber: '+47 (22) 33-44.55/6' })],
    ['as many attachments as allowed', { ...MINIMAL, attachments: Array(LIMITS.attachments).fill(ATTACHMENT_ID) }],
  ])('accepts %s', (_, input) => {
    expect(sent(input)).toEqual({ output: input });
  });

  it('takes as many custom fields as allowed in its shape (which ones is the form\'s business)', () => {
    const customFields = Array.from({ length: LIMITS.customFields }, (_, i) => ({ id: i + 1, value: 'v' }));
    expect(v.safeParse(TicketRequest, { ...MINIMAL, customFields }).success).toBe(true);
  });

  it('gives the values by path', () => {
    expect(parse(SEED)).toEqual({
      output: {
        title: 'New car price list.',
        message: 'Hello I want to buy a new car, how can I get a price list?',
        sentiment: 'question',
        'creator.name': 'Bill Smith',
        'creator.email': 'bill_smith@gmail.com',
      },
    });
  });

  it('trims every text field', () => {
    const input = {
      title: '  New car price list. ',
      message: '\n Hello \t',
      creator: { name: ' Bill Smith ', email: ' bill_smith@gmail.com ', phoneNumber: ' +47 22 33 44 55 ' },
    };
    expect(sent(input)).toEqual({
      output: {
        title: 'New car price list.',
        message: 'Hello',
        creator: { name: 'Bill Smith', email: 'bill_smith@gmail.com', phoneNumber: '+47 22 33 44 55' },
      },
    });
  });

  it.each(['name', 'phoneNumber'])('treats a blank optional %s as absent', (field) => {
    expect(sent(withCreator({ [field]: '   ' }))).toEqual({ output: MINIMAL });
  });

  it.each(['name', 'phoneNumber'])('treats a null %s as absent', (field) => {
    expect(sent(withCreator({ [field]: null }))).toEqual({ output: MINIMAL });
  });

  it('lets a trimmed value reach the limit even if the raw value is longer', () => {
    const input = { ...MINIMAL, title: ` ${'x'.repeat(LIMITS.title)} ` };
    expect(sent(input)).toEqual({ output: { ...MINIMAL, title: 'x'.repeat(LIMITS.title) } });
  });

  it("cleans text by the field's rule: junk controls out and line breaks as spaces in a title, kept in a message", () => {
    expect(sent({ ...MINIMAL, title: 'Hi\u0007 there\nyou', message: 'One\r\nTwo' })).toEqual({
      output: { ...MINIMAL, title: 'Hi there you', message: 'One\nTwo' },
    });
  });
});

describe('invalid requests', () => {
  const cases: [string, unknown, FieldIssue[]][] = [
    ['a missing title', { message: 'Hello', creator: MINIMAL.creator }, [{ path: 'title', code: 'required' }]],
    ['a blank title', { ...MINIMAL, title: '   ' }, [{ path: 'title', code: 'required' }]],
    ['a null title', { ...MINIMAL, title: null }, [{ path: 'title', code: 'required' }]],
    ['a blank message', { ...MINIMAL, message: '' }, [{ path: 'message', code: 'required' }]],
    ['a missing email', withCreator({ email: undefined }), [{ path: 'creator.email', code: 'required' }]],
    ['a blank email', withCreator({ email: '  ' }), [{ path: 'creator.email', code: 'required' }]],
    ['a missing creator', { title: 'Hi', message: 'Hello' }, [{ path: 'creator.email', code: 'required' }]],
    ['a null email', withCreator({ email: null }), [{ path: 'creator.email', code: 'required' }]],
    ['a title over the limit', { ...MINIMAL, title: 'x'.repeat(LIMITS.title + 1) },
      [{ path: 'title', code: 'too_long', limit: LIMITS.title }]],
    ['a message over the limit', { ...MINIMAL, message: 'x'.repeat(LIMITS.message + 1) },
      [{ path: 'message', code: 'too_long', limit: LIMITS.message }]],
    ['a name over the limit', withCreator({ name: 'x'.repeat(LIMITS.name + 1) }),
      [{ path: 'creator.name', code: 'too_long', limit: LIMITS.name }]],
    ['an email over the limit', withCreator({ email: `${'x'.repeat(LIMITS.email)}@b.co` }),
      [{ path: 'creator.email', code: 'too_long', limit: LIMITS.email }]],
    ['a phone over the limit', withCreator({ phoneNumber: '1'.repeat(LIMITS.phone + 1) }),
      [{ path: 'creator.phoneNumber', code: 'too_long', limit: LIMITS.phone }]],
    ['an email without @', withCreator({ email: 'bill_smith.gmail.com' }), [{ path: 'creator.email', code: 'invalid_email' }]],
    ['an email without a domain', withCreator({ email: 'bill@' }), [{ path: 'creator.email', code: 'invalid_email' }]],
    ['an email that is not a string', withCreator({ email: 42 }), [{ path: 'creator.email', code: 'invalid' }]],
    ['a title that is not a string', { ...MINIMAL, title: 42 }, [{ path: 'title', code: 'invalid' }]],
    ['a title holding NUL', { ...MINIMAL, title: 'Hi\u0000' }, [{ path: 'title', code: 'invalid_text' }]],
    ['an email with a local part over 64 characters', withCreator({ email: `${'x'.repeat(65)}@b.co` }), [{ path: 'creator.email', code: 'email_local_too_long' }]],
    ['a phone with letters', withCreator({ phoneNumber: 'call me' }), [{ path: 'creator.phoneNumber', code: 'invalid_phone' }]],
    ['a phone with too few digits', withCreator({ phoneNumber: '1234' }), [{ path: 'creator.phoneNumber', code: 'invalid_phone' }]],
    ['a phone with too many digits', withCreator({ phoneNumber: '1'.repeat(21) }), [{ path: 'creator.phoneNumber', code: 'invalid_phone' }]],
    ['a phone with + in the middle', withCreator({ phoneNumber: '22+334455' }), [{ path: 'creator.phoneNumber', code: 'invalid_phone' }]],
    ['an unknown sentiment', { ...MINIMAL, sentiment: 'anger' }, [{ path: 'sentiment', code: 'invalid_choice' }]],
    ['an unknown top-level key', { ...MINIMAL, assigneeId: 'x' }, [{ path: 'assigneeId', code: 'unknown_field' }]],
    ['an unknown creator key', withCreator({ image: 'https://evil.example/me.png' }),
      [{ path: 'creator.image', code: 'unknown_field' }]],
    ['a custom field the form does not have', { ...MINIMAL, customFields: [{ id: 42624, value: 'v' }] },
      [{ path: 'customFields.42624', code: 'unknown_field' }]],
    ['a category the picker does not offer', { ...MINIMAL, categoryId: 15598 }, [{ path: 'categoryId', code: 'invalid_choice' }]],
    ['too many custom fields', {
      ...MINIMAL,
      customFields: Array.from({ length: LIMITS.customFields + 1 }, (_, i) => ({ id: i + 1, value: 'v' })),
    }, [{ path: 'customFields', code: 'too_many', limit: LIMITS.customFields }]],
    ['a custom field value over the limit', { ...MINIMAL, customFields: [{ id: 1, value: 'x'.repeat(LIMITS.customFieldValue + 1) }] },
      [{ path: 'customFields.0.value', code: 'too_long', limit: LIMITS.customFieldValue }]],
    ['a custom field id that is not an integer', { ...MINIMAL, customFields: [{ id: 1.5, value: 'v' }] },
      [{ path: 'customFields.0.id', code: 'invalid' }]],
    ['too many attachments', { ...MINIMAL, attachments: Array(LIMITS.attachments + 1).fill(ATTACHMENT_ID) },
      [{ path: 'attachments', code: 'too_many', limit: LIMITS.attachments }]],
    ['an attachment that is a URL', { ...MINIMAL, attachments: ['https://your.attachment.url/filename.png'] },
      [{ path: 'attachments.0', code: 'invalid' }]],
    ['a fractional category id', { ...MINIMAL, categoryId: 1.5 }, [{ path: 'categoryId', code: 'invalid' }]],
    // A failed minimum is not a size cap: no limit rides along.
    ['a custom field id below 1', { ...MINIMAL, customFields: [{ id: 0, value: 'v' }] },
      [{ path: 'customFields.0.id', code: 'invalid' }]],
  ];

  it.each(cases)('rejects %s', (_, input, issues) => {
    expect(parse(input)).toEqual({ issues });
  });

  it('reports every problem at once', () => {
    expect(parse({ title: '', message: 'x'.repeat(LIMITS.message + 1), sentiment: 'anger', creator: {} })).toEqual({
      issues: [
        { path: 'title', code: 'required' },
        { path: 'message', code: 'too_long', limit: LIMITS.message },
        { path: 'sentiment', code: 'invalid_choice' },
        { path: 'creator.email', code: 'required' },
      ],
    });
  });

  it('reports one issue per field, the first that applies', () => {
    // Too long and malformed at once: the visitor hears about the length first.
    expect(parse(withCreator({ email: 'x'.repeat(LIMITS.email + 1) }))).toEqual({
      issues: [{ path: 'creator.email', code: 'too_long', limit: LIMITS.email }],
    });
  });

  it.each([['a string'], [42]])('rejects a body that is not an object (%j) as invalid, not missing', (input) => {
    expect(parse(input)).toEqual({ issues: [{ path: '', code: 'invalid' }] });
  });

  it.each([
    ['a creator that is text', 'Bill Smith', 'invalid'],
    ['a null creator', null, 'required'],
  ])('rejects %s as %s', (_, creator, code) => {
    expect(parse({ ...MINIMAL, creator })).toEqual({ issues: [{ path: 'creator', code }] });
  });
});

describe('when email is optional', () => {
  const optionalEmail = FIELDS.map((field) => (field.path === 'creator.email' ? { ...field, required: false } : field));

  it('accepts a request without an email', () => {
    expect(sent({ title: 'Hi', message: 'Hello', creator: {} }, optionalEmail)).toEqual({
      output: { title: 'Hi', message: 'Hello', creator: {} },
    });
  });

  it('treats a blank email as absent', () => {
    expect(sent({ title: 'Hi', message: 'Hello', creator: { email: ' ' } }, optionalEmail)).toEqual({
      output: { title: 'Hi', message: 'Hello', creator: {} },
    });
  });

  it('still rejects a malformed email', () => {
    expect(parse({ title: 'Hi', message: 'Hello', creator: { email: 'bill@' } }, optionalEmail)).toEqual({
      issues: [{ path: 'creator.email', code: 'invalid_email' }],
    });
  });
});

describe('when the operator hides a field or requires the phone', () => {
  it('refuses a hidden name as unknown_field at its path', () => {
    const hidden = FIELDS.filter((field) => field.path !== 'creator.name');
    expect(parse(SEED, hidden)).toEqual({ issues: [{ path: 'creator.name', code: 'unknown_field' }] });
    expect(parse(MINIMAL, hidden)).toEqual({ output: { title: 'Hi', message: 'Hello', 'creator.email': 'ann@example.com' } });
  });

  it('requires a phone the operator requires', () => {
    const phone = FIELDS.map((field) => (field.path === 'creator.phoneNumber' ? { ...field, required: true } : field));
    expect(parse(MINIMAL, phone)).toEqual({ issues: [{ path: 'creator.phoneNumber', code: 'required' }] });
    expect(parse(withCreator({ phoneNumber: '  ' }), phone)).toEqual({ issues: [{ path: 'creator.phoneNumber', code: 'required' }] });
  });
});
