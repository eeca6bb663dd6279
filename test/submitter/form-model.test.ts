/** The form model: values by path, messages and locks derived from them, and schemas built once per definition. */
import { effect } from '@preact/signals-core';
import { describe, expect, it, vi } from 'vitest';
import { BUILT_IN_FIELDS } from '../../src/shared/built-in-fields';
import * as fieldValues from '../../src/shared/field-values';
import type { FormDefinition } from '../../src/shared/form-definition';
import { fail, ok } from '../../src/shared/result';
import { createFormModel, type FieldModel } from '../../src/submitter/form-model';

vi.mock('../../src/shared/field-values', { spy: true });

const CITY = { path: 'customFields.1', label: 'City', control: 'text', required: true } as const;
const FORM: FormDefinition = { fields: [...BUILT_IN_FIELDS, CITY] };

async function loaded(options: { lockFields?: boolean | string[]; form?: FormDefinition } = {}) {
  const report = vi.fn();
  const model = createFormModel({ upload: async () => fail({ code: 'network' }), report, lockFields: options.lockFields });
  await model.loadDefinition(async () => ok(options.form ?? FORM));
  const field = (path: string) => model.fields.value.find((one) => one.field.path === path) as FieldModel;
  return { model, field, report };
}

describe('form model', () => {
  it('builds each field’s schema once per definition, not per keystroke', async () => {
    const { field } = await loaded();
    const city = field('customFields.1');
    const stop = effect(() => void city.issue.value);
    city.leave();
    vi.mocked(fieldValues.fieldSchema).mockClear();
    for (const text of ['O', 'Os', 'Osl', 'Oslo']) city.set(text);
    expect(fieldValues.fieldSchema).not.toHaveBeenCalled();
    expect(fieldValues.parseValue).toHaveBeenCalled();
    stop();
  });

  it('says nothing about a field until the visitor leaves it; a message shown follows the typing until fixed', async () => {
    const { field } = await loaded();
    const email = field('creator.email');
    email.set('bill@');
    expect(email.issue.value).toBeUndefined();
    email.leave();
    expect(email.issue.value).toEqual({ path: 'creator.email', code: 'invalid_email' });
    email.set('bill@e');
    expect(email.issue.value).toEqual({ path: 'creator.email', code: 'invalid_email' });
    email.set('bill@example.com');
    expect(email.issue.value).toBeUndefined();
  });

  it('shows no new message while the visitor edits a field left valid, only when they leave it again', async () => {
    const { field } = await loaded();
    const email = field('creator.email');
    email.set('a@b.co');
    email.leave();
    email.set('a@b');
    expect(email.issue.value).toBeUndefined();
    email.leave();
    expect(email.issue.value?.code).toBe('invalid_email');
  });

  it('after Send, a field fixed and then broken again says so only when left', async () => {
    const { model, field } = await loaded();
    model.checkForSend();
    const title = field('title');
    expect(title.issue.value?.code).toBe('required');
    title.set('Hi');
    expect(title.issue.value).toBeUndefined();
    title.set('');
    expect(title.issue.value).toBeUndefined();
    title.leave();
    expect(title.issue.value?.code).toBe('required');
  });

  it('shows every problem once Send was pressed, by path', async () => {
    const { model, field } = await loaded();
    const checked = model.checkForSend();
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.error.map(({ path }) => path)).toEqual(['title', 'message', 'creator.email', 'customFields.1']);
    expect(field('title').issue.value?.code).toBe('required');
  });

  it('gives the values as they travel on: cleaned and trimmed', async () => {
    const { model, field } = await loaded();
    field('title').set('  New car  ');
    field('message').set('Hello');
    field('creator.email').set(' bill@example.com ');
    field('customFields.1').set('Oslo');
    expect(model.checkForSend()).toEqual(ok({ title: 'New car', message: 'Hello', sentiment: '', 'creator.name': '', 'creator.email': 'bill@example.com', 'creator.phoneNumber': '', 'customFields.1': 'Oslo' }));
  });

  it('shows the relay’s refusal of a value until the visitor changes it', async () => {
    const { model, field } = await loaded();
    const city = field('customFields.1');
    city.set('Oslo');
    expect(model.refuse([{ path: 'customFields.1', code: 'too_long', limit: 3 }, { path: 'customFields.99', code: 'unknown_field' }])).toEqual([
      { path: 'customFields.99', code: 'unknown_field' },
    ]);
    expect(city.issue.value).toEqual({ path: 'customFields.1', code: 'too_long', limit: 3 });
    city.set('Osl');
    expect(city.issue.value).toBeUndefined();
  });

  it('locks a valid prefilled field it was asked to lock, and leaves an invalid one editable', async () => {
    const { model, field } = await loaded({ lockFields: ['email', 'name'] });
    model.prefill({ email: 'bill@example.com', name: 'x'.repeat(101) });
    expect(field('creator.email').locked.value).toBe(true);
    field('creator.email').set('else@example.com');
    expect(field('creator.email').value.value).toBe('bill@example.com');
    expect(field('creator.name').locked.value).toBe(false);
    expect(field('creator.name').issue.value?.code).toBe('too_long');
  });

  it('keeps typed values across a new definition, by path', async () => {
    const { model, field } = await loaded();
    field('title').set('Kept');
    await model.loadDefinition(async () => ok({ fields: [...BUILT_IN_FIELDS] }));
    expect(field('title').value.value).toBe('Kept');
  });

  it('starts again from defaults and prefill after reset', async () => {
    const { model, field } = await loaded({ form: { fields: [...BUILT_IN_FIELDS, { ...CITY, defaultValue: 'Oslo' }] } });
    model.prefill({ name: 'Bill' });
    field('customFields.1').set('Bergen');
    field('creator.name').set('William');
    field('title').set('Hi');
    model.reset();
    expect([field('customFields.1').value.value, field('creator.name').value.value, field('title').value.value]).toEqual(['Oslo', 'Bill', '']);
  });
});
