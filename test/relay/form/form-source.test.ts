/** The form source: the built form, its `GET /form` body and the schemas requests are checked with, made once per copy. */
import { describe, expect, it } from 'vitest';
import { createFormSource } from '../../../src/relay/form/form-source';
import type { FormSourceOptions } from '../../../src/relay/form/form-source';
import { NO_FORM_CONFIG, parseFormConfig } from '../../../src/relay/form/form-config';
import { checkValues } from '../../../src/shared/field-values';
import { captureLogs } from '../helpers';

function source(config: FormSourceOptions['config']) {
  // Counts the calls only: a config without custom fields or a picker must make none.
  let lists = 0;
  const client: FormSourceOptions['client'] = {
    listCustomFields: async () => {
      lists += 1;
      return { ok: true, value: [] };
    },
    listCategories: async () => {
      lists += 1;
      return { ok: true, value: [] };
    },
  };
  const form = createFormSource({ config, ttlSeconds: 300, client, now: () => 0, log: captureLogs().log, attachments: null, challenge: null });
  return { form, lists: () => lists };
}

const served = async (form: ReturnType<typeof source>['form']) => {
  const result = await form.get();
  if (!result.ok) throw new Error('no form');
  return result.value;
};

describe('form source', () => {
  it('builds the schemas once per copy, so every request is checked with the same ones', async () => {
    const parsed = parseFormConfig(JSON.stringify({ builtIn: { name: { hidden: true } } }));
    if (!parsed.ok) throw new Error(parsed.error.join());
    const { form, lists } = source(parsed.value);
    const [first, second] = [await served(form), await served(form)];
    expect(second.schemas).toBe(first.schemas);
    expect(lists()).toBe(0);
    expect(checkValues(first.schemas.typed, { title: 'T', message: 'M', 'creator.email': 'a@b.example', 'creator.name': 'Ann' })).toEqual({
      ok: false,
      error: [{ path: 'creator.name', code: 'unknown_field' }],
    });
  });

  it('builds one copy per config language, each checking requests with the same schemas', async () => {
    const parsed = parseFormConfig(JSON.stringify({ builtIn: { name: { label: { en: 'Name', nb: 'Navn' } } } }));
    if (!parsed.ok) throw new Error(parsed.error.join());
    const { form } = source(parsed.value);
    const fallback = await served(form);
    const nb = await form.get('nb-NO');
    if (!nb.ok) throw new Error('no form');
    expect(nb.value.body).toContain('"Navn"');
    expect(nb.value.etag).not.toBe(fallback.etag);
    expect(nb.value.schemas).toBe(fallback.schemas);
  });

  it('serves the built-in fields without a form config, and asks Socialboards nothing', async () => {
    const { form, lists } = source(NO_FORM_CONFIG);
    const body = JSON.parse((await served(form)).body) as { fields: { path: string }[] };
    expect(body.fields.map((field) => field.path)).toEqual(['title', 'message', 'sentiment', 'creator.name', 'creator.email', 'creator.phoneNumber']);
    expect(lists()).toBe(0);
  });
});
