import { describe, expect, it } from 'vitest';
import { CATEGORIES, CUSTOM_FIELDS } from '../../../src/fake-socialboards/definitions';
import { buildForm } from '../../../src/relay/form/build-form';
import type { Definitions } from '../../../src/relay/form/build-form';
import { parseFormConfig } from '../../../src/relay/form/form-config';
import type { FormConfig } from '../../../src/relay/form/form-config';
import { CategoryDefinition, CustomFieldDefinition, readList } from '../../../src/relay/upstream/definitions';

/** The fake community's definitions, read the way the relay reads Socialboards' answers. */
const COMMUNITY: Definitions = {
  fields: readList(CustomFieldDefinition, CUSTOM_FIELDS)?.items ?? [],
  categories: readList(CategoryDefinition, CATEGORIES)?.items ?? [],
};

const config = (input: unknown): FormConfig => {
  const result = parseFormConfig(JSON.stringify(input));
  if (!result.ok) throw new Error(result.error.join('\n'));
  return result.value;
};

const build = (input: unknown, definitions: Definitions = COMMUNITY) => buildForm(definitions, config(input));
const ids = (input: unknown) => build(input).form.fields.map((field) => field.id);

describe('buildForm: fields', () => {
  it('exposes only the fields the operator allowed', () => {
    expect(ids({ fields: [{ id: 42624 }, { id: 42623 }] })).toEqual([42623, 42624]);
    expect(build({}).form).toEqual({ fields: [], categories: null });
  });

  it("turns the doc's region field into a single choice in option order", () => {
    expect(build({ fields: [{ id: 42623 }] }).form.fields[0]).toEqual({
      id: 42623,
      label: 'Shop region',
      control: 'choice',
      required: false,
      placeholder: 'region',
      choices: ['Østfold', 'Akershus', 'Oslo', 'Innlandet', 'Buskerud', 'Vestfold', 'Telemark', 'Agder', 'Rogaland', 'Vestland'].map(
        (value) => ({ value, label: value }),
      ),
    });
  });

  it('sorts choices by their order, not by list position', () => {
    const shuffled: Definitions = {
      categories: [],
      fields: [
        {
          ...COMMUNITY.fields[0]!,
          possibleValues: [
            { order: 3, value: 'Oslo' },
            { order: 1, value: 'Østfold' },
            { order: 2, value: 'Akershus' },
          ],
        },
      ],
    };
    expect(build({ fields: [{ id: 42623 }] }, shuffled).form.fields[0]?.choices?.map((choice) => choice.value)).toEqual([
      'Østfold',
      'Akershus',
      'Oslo',
    ]);
  });

  it("keeps the community's order by default and the operator's with order: listed", () => {
    const fields = [{ id: 42635 }, { id: 42623 }, { id: 42629 }];
    expect(ids({ fields })).toEqual([42623, 42629, 42635]);
    expect(ids({ order: 'listed', fields })).toEqual([42635, 42623, 42629]);
  });

  it('leaves out a hidden field unless it is prefill-only, and says so', () => {
    const hidden = build({ fields: [{ id: 42626 }] });
    expect(hidden.form.fields).toEqual([]);
    expect(hidden.warnings).toEqual([expect.stringMatching(/^custom field 42626 \(Lead source, type text\) is hidden .*prefillOnly/)]);
    expect(build({ fields: [{ id: 42626, prefillOnly: true }] }).form.fields).toEqual([
      { id: 42626, label: 'Lead source', control: 'text', required: false, defaultValue: 'web-form', prefillOnly: true },
    ]);
  });

  it('marks a visible field prefill-only when the operator asks', () => {
    expect(build({ fields: [{ id: 42627, prefillOnly: true }] }).form.fields[0]).toMatchObject({ id: 42627, prefillOnly: true });
  });

  it('requires a prefill-only field only when the operator says so', () => {
    const required = { ...COMMUNITY.fields.find((field) => field.id === 42626)!, isRequired: true };
    const definitions = { fields: [required], categories: [] };
    expect(build({ fields: [{ id: 42626, prefillOnly: true }] }, definitions).form.fields[0]?.required).toBe(false);
    expect(build({ fields: [{ id: 42626, prefillOnly: true, required: true }] }, definitions).form.fields[0]?.required).toBe(true);
  });

  it('leaves out an id the community does not have, and says so', () => {
    const built = build({ fields: [{ id: 1 }, { id: 42624 }] });
    expect(built.form.fields.map((field) => field.id)).toEqual([42624]);
    expect(built.warnings).toEqual(["custom field 1 is not in the community's custom field list; left out"]);
  });

  it('applies every override', () => {
    const built = build({
      fields: [
        { id: 42625, label: 'Model', placeholder: 'Which car?', required: false, maxLength: 40, defaultValue: 'Model Y' },
        { id: 42624, control: 'number', format: 'decimal-comma' },
      ],
    });
    expect(built.form.fields).toEqual([
      { id: 42624, label: 'Order number', control: 'number', required: false, placeholder: 'e.g. 100234' },
      { id: 42625, label: 'Model', control: 'text', required: false, placeholder: 'Which car?', defaultValue: 'Model Y', maxLength: 40 },
    ]);
    expect(built.rules.get(42624)).toEqual({ control: 'number', format: 'decimal-comma', sensitive: false, signed: false });
  });

  it("takes Socialboards' isRequired, label and placeholder when not overridden", () => {
    expect(build({ fields: [{ id: 42625 }] }).form.fields[0]).toEqual({
      id: 42625,
      label: 'Car model',
      control: 'text',
      required: true,
      placeholder: 'e.g. Model Y',
    });
  });

  it('keeps the rules by which values go upstream, with the sensitive flag', () => {
    const { rules } = build({ fields: [{ id: 42630, format: 'dd.mm.yyyy' }, { id: 42627 }, { id: 42635 }] });
    expect(Object.fromEntries(rules)).toEqual({
      42627: { control: 'text', format: undefined, sensitive: true, signed: false },
      42630: { control: 'date', format: 'dd.mm.yyyy', sensitive: false, signed: false },
      42635: { control: 'multichoice', format: 'comma', sensitive: false, signed: false },
    });
  });

  it.each([
    ['a choice control without possibleValues', { id: 42624, control: 'choice' }, /is a choice field without possibleValues; left out/],
    ['a format that does not fit the type', { id: 42624, format: 'dd.mm.yyyy' }, /is a text field, which is sent as typed, not dd\.mm\.yyyy; left out \(set "control" too\)/],
    ['a date format on a number', { id: 42629, format: 'iso-date' }, /takes the formats decimal, decimal-comma, not iso-date/],
  ])('leaves out %s with a warning', (_name, field, warning) => {
    const built = build({ fields: [field] });
    expect(built.form.fields).toEqual([]);
    expect(built.warnings).toEqual([expect.stringMatching(warning)]);
  });

  it('warns when a multichoice option contains its separator', () => {
    const multi = { ...COMMUNITY.fields.find((field) => field.id === 42635)!, possibleValues: [{ order: 1, value: 'Tyres, summer' }] };
    const built = build({ fields: [{ id: 42635 }] }, { fields: [multi], categories: [] });
    expect(built.form.fields).toHaveLength(1);
    expect(built.warnings).toEqual([expect.stringContaining('separator of its format comma')]);
    expect(build({ fields: [{ id: 42635, format: 'json' }] }, { fields: [multi], categories: [] }).warnings).toEqual([]);
  });

  it.each([
    ['a valid community default', { id: 42634 }, 'false', []],
    ['a valid operator default', { id: 42629, defaultValue: '12.5' }, '12.5', []],
    ['an operator default that is one of the options', { id: 42623, defaultValue: 'Oslo' }, 'Oslo', []],
    ['an operator default not among the options', { id: 42623, defaultValue: 'Bergen' }, undefined, [/defaultValue in the form config is not a valid choice value/]],
    ['an operator date default in another format', { id: 42630, defaultValue: '31.01.2025' }, undefined, [/not a valid date value in canonical form/]],
    ['a community checkbox default in another format', { id: 42634, control: 'checkbox', format: 'yes-no', defaultValue: 'yes' }, undefined, [/not a valid checkbox value/]],
    ['a default for a multichoice field', { id: 42635, defaultValue: 'Insurance' }, undefined, [/not a valid multichoice value/]],
  ])('handles %s', (_name, field, expected, warnings) => {
    const built = build({ fields: [field] });
    expect(built.form.fields[0]?.defaultValue).toBe(expected);
    expect(built.warnings).toEqual(warnings.map((warning) => expect.stringMatching(warning)));
  });

  it("reports a bad community default as Socialboards'", () => {
    const checkbox = { ...COMMUNITY.fields.find((field) => field.id === 42634)!, defaultValue: 'False' };
    expect(build({ fields: [{ id: 42634 }] }, { fields: [checkbox], categories: [] }).warnings).toEqual([
      expect.stringContaining("Socialboards' defaultValue is not a valid checkbox value"),
    ]);
  });
});

describe('buildForm: categories', () => {
  const options = (input: unknown, definitions?: Definitions) =>
    build({ categories: input }, definitions).form.categories?.options.map(({ id, parentId, depth }) => [id, parentId, depth]);

  it('offers no picker unless the operator enables one', () => {
    expect(build({ categories: { picker: false } }).form.categories).toBeNull();
    expect(build({}).form.categories).toBeNull();
  });

  it('flattens the tree: parent before children, siblings in list order, with depth', () => {
    expect(build({ categories: { picker: true, label: 'Topic' } }).form.categories).toEqual({
      required: false,
      label: 'Topic',
      options: [
        { id: 15597, name: 'Sales', parentId: null, depth: 0 },
        { id: 15598, name: 'New cars', parentId: 15597, depth: 1 },
        { id: 15602, name: 'Electric cars', parentId: 15598, depth: 2 },
        { id: 15599, name: 'Used cars', parentId: 15597, depth: 1 },
        { id: 15600, name: 'Workshop', parentId: null, depth: 0 },
        { id: 15601, name: 'Tyre change', parentId: 15600, depth: 1 },
        { id: 15721, name: 'Other cases', parentId: null, depth: 0 },
      ],
    });
  });

  it('puts children after their parent even when the list has them first', () => {
    const reversed = { fields: [], categories: [...COMMUNITY.categories].reverse() };
    expect(options({ picker: true }, reversed)).toEqual([
      [15721, null, 0],
      [15600, null, 0],
      [15601, 15600, 1],
      [15597, null, 0],
      [15599, 15597, 1],
      [15598, 15597, 1],
      [15602, 15598, 2],
    ]);
  });

  it('limits the offer to the listed categories and their descendants', () => {
    expect(options({ picker: true, ids: [15598, 15600] })).toEqual([
      [15598, null, 0],
      [15602, 15598, 1],
      [15600, null, 0],
      [15601, 15600, 1],
    ]);
  });

  it('also reads parents given as category objects or as the direct parent only', () => {
    const answer = [
      { id: 1, name: 'Root', parents: null },
      { id: 2, name: 'Child', parents: [{ id: 1, name: 'Root', parents: [] }] },
      { id: 3, name: 'Grandchild', parents: [2] },
    ];
    const categories = readList(CategoryDefinition, answer)?.items ?? [];
    expect(options({ picker: true, ids: [1] }, { fields: [], categories })).toEqual([
      [1, null, 0],
      [2, 1, 1],
      [3, 2, 2],
    ]);
  });

  it('warns about listed ids the community does not have, and drops an empty picker', () => {
    const built = build({ categories: { picker: true, ids: [99] } });
    expect(built.form.categories).toBeNull();
    expect(built.warnings).toEqual([
      "category 99 is not in the community's category list; left out",
      'the category picker has no categories to offer; no picker is shown',
    ]);
  });

  it('leaves out categories whose parents loop, with a warning', () => {
    const categories = [
      { id: 1, name: 'A', parents: [2] },
      { id: 2, name: 'B', parents: [1] },
      { id: 3, name: 'C', parents: [] },
    ];
    const built = build({ categories: { picker: true, required: true } }, { fields: [], categories });
    expect(built.form.categories).toEqual({ required: true, options: [{ id: 3, name: 'C', parentId: null, depth: 0 }] });
    expect(built.warnings).toEqual([expect.stringContaining('category 1 (A) has a parent loop'), expect.stringContaining('category 2 (B)')]);
  });
});
