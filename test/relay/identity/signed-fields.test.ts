/** Fields the form config marks `signed`: built for the relay's checks, kept out of the form the widget gets. */
import { describe, expect, it } from 'vitest';
import { CATEGORIES, CUSTOM_FIELDS } from '../../../src/fake-socialboards/definitions';
import { buildForm, servedForm } from '../../../src/relay/form/build-form';
import { parseFormConfig } from '../../../src/relay/form/form-config';
import { customFieldId } from '../../../src/shared/form-definition';
import { CategoryDefinition, CustomFieldDefinition, readList } from '../../../src/relay/upstream/definitions';

const COMMUNITY = {
  fields: readList(CustomFieldDefinition, CUSTOM_FIELDS)?.items ?? [],
  categories: readList(CategoryDefinition, CATEGORIES)?.items ?? [],
};

function build(input: unknown) {
  const parsed = parseFormConfig(JSON.stringify(input));
  if (!parsed.ok) throw new Error(parsed.error.join('\n'));
  return buildForm(COMMUNITY, parsed.value);
}

describe('signed fields', () => {
  it('are built with their rules, optional unless the config says required, and hidden ones too', () => {
    // 42625 is required in Socialboards; 42626 is hidden there.
    const built = build({ fields: [{ id: 42623 }, { id: 42625, signed: true }, { id: 42626, signed: true }] });
    const custom = built.form.fields.filter((field) => customFieldId(field.path) !== undefined);
    expect(custom.map(({ path, required }) => ({ id: customFieldId(path), required }))).toEqual([
      { id: 42623, required: false },
      { id: 42625, required: false },
      { id: 42626, required: false },
    ]);
    expect(built.rules.get(42625)).toMatchObject({ signed: true });
    expect(built.rules.get(42623)).toMatchObject({ signed: false });
    expect(built.warnings).toEqual([]);
  });

  it('are never in the form the widget is served', () => {
    const built = build({ fields: [{ id: 42623 }, { id: 42627, signed: true, required: true }] });
    expect(servedForm(built).fields.flatMap((field) => customFieldId(field.path) ?? [])).toEqual([42623]);
  });

  it('must be true or false in the config', () => {
    expect(parseFormConfig(JSON.stringify({ fields: [{ id: 42627, signed: 'yes' }] }))).toEqual({ ok: false, error: ['fields[0].signed must be true or false'] });
  });
});
