import { describe, expect, it } from 'vitest';
import { CATEGORIES, CUSTOM_FIELDS } from '../../../src/fake-socialboards/definitions';
import { buildForm, formSchemas, servedForm } from '../../../src/relay/form/build-form';
import type { Definitions } from '../../../src/relay/form/build-form';
import { parseFormConfig } from '../../../src/relay/form/form-config';
import type { FormConfig } from '../../../src/relay/form/form-config';
import { CategoryDefinition, CustomFieldDefinition, readList } from '../../../src/relay/upstream/definitions';
import { BUILT_IN_FIELDS } from '../../../src/shared/built-in-fields';
import { checkValues } from '../../../src/shared/field-values';
import { CATEGORY_PATH, customFieldId } from '../../../src/shared/form-definition';
import type { FormField } from '../../../src/shared/form-definition';

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
/** The custom fields of a built form, in order. */
const customOf = (fields: readonly FormField[]) => fields.filter((field) => customFieldId(field.path) !== undefined);
const custom = (input: unknown, definitions?: Definitions) => customOf(build(input, definitions).form.fields);
const ids = (input: unknown) => custom(input).map((field) => customFieldId(field.path));
/** Every field's name, in display order: built-in names, `categoryId`, custom ids. */
const names = (input: unknown) => build(input).form.fields.map((field) => customFieldId(field.path) ?? field.path.replace('creator.', ''));

describe('buildForm: fields', () => {
  it('exposes only the fields the operator allowed', () => {
    expect(ids({ fields: [{ id: 42624 }, { id: 42623 }] })).toEqual([42623, 42624]);
    expect(build({}).form).toEqual({ fields: BUILT_IN_FIELDS });
  });

  it("turns the doc's region field into a single choice in option order", () => {
    expect(custom({ fields: [{ id: 42623 }] })[0]).toEqual({
      path: 'customFields.42623',
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
    expect(custom({ fields: [{ id: 42623 }] }, shuffled)[0]?.choices?.map((choice) => choice.value)).toEqual([
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
    expect(customOf(hidden.form.fields)).toEqual([]);
    expect(hidden.warnings).toEqual([expect.stringMatching(/^custom field 42626 \(Lead source, type text\) is hidden .*prefillOnly/)]);
    expect(custom({ fields: [{ id: 42626, prefillOnly: true }] })).toEqual([
      { path: 'customFields.42626', label: 'Lead source', control: 'text', required: false, defaultValue: 'web-form', prefillOnly: true },
    ]);
  });

  it('marks a visible field prefill-only when the operator asks', () => {
    expect(custom({ fields: [{ id: 42627, prefillOnly: true }] })[0]).toMatchObject({ path: 'customFields.42627', prefillOnly: true });
  });

  it('requires a prefill-only field only when the operator says so', () => {
    const required = { ...COMMUNITY.fields.find((field) => field.id === 42626)!, isRequired: true };
    const definitions = { fields: [required], categories: [] };
    expect(custom({ fields: [{ id: 42626, prefillOnly: true }] }, definitions)[0]?.required).toBe(false);
    expect(custom({ fields: [{ id: 42626, prefillOnly: true, required: true }] }, definitions)[0]?.required).toBe(true);
  });

  it('leaves out an id the community does not have, and says so', () => {
    const built = build({ fields: [{ id: 1 }, { id: 42624 }] });
    expect(customOf(built.form.fields).map((field) => field.path)).toEqual(['customFields.42624']);
    expect(built.warnings).toEqual(["custom field 1 is not in the community's custom field list; left out"]);
  });

  it('applies every override', () => {
    const built = build({
      fields: [
        { id: 42625, label: 'Model', placeholder: 'Which car?', required: false, maxLength: 40, defaultValue: 'Model Y' },
        { id: 42624, control: 'number', format: 'decimal-comma' },
      ],
    });
    expect(customOf(built.form.fields)).toEqual([
      { path: 'customFields.42624', label: 'Order number', control: 'number', required: false, placeholder: 'e.g. 100234' },
      { path: 'customFields.42625', label: 'Model', control: 'text', required: false, placeholder: 'Which car?', defaultValue: 'Model Y', maxLength: 40 },
    ]);
    expect(built.rules.get(42624)).toEqual({ control: 'number', format: 'decimal-comma', sensitive: false, signed: false });
  });

  it("takes Socialboards' isRequired, label and placeholder when not overridden", () => {
    expect(custom({ fields: [{ id: 42625 }] })[0]).toEqual({
      path: 'customFields.42625',
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

  it("serves a field Socialboards marks isSensitiveData as sensitive, so the widget never keeps it in a draft", () => {
    expect(custom({ fields: [{ id: 42627 }, { id: 42625 }] }).map(({ path, sensitive }) => [path, sensitive])).toEqual([
      ['customFields.42625', undefined],
      ['customFields.42627', true],
    ]);
  });

  it('lets the operator mark any field sensitive, or let a draft keep one Socialboards marks, whose values the logs still leave out', () => {
    const built = build({ fields: [{ id: 42625, sensitive: true }, { id: 42627, sensitive: false }] });
    expect(customOf(built.form.fields).map(({ path, sensitive }) => [path, sensitive])).toEqual([
      ['customFields.42625', true],
      ['customFields.42627', undefined],
    ]);
    expect(built.rules.get(42625)?.sensitive).toBe(true);
    expect(built.rules.get(42627)?.sensitive).toBe(true);
  });

  it.each([
    ['a choice control without possibleValues', { id: 42624, control: 'choice' }, /is a choice field without possibleValues; left out/],
    ['a format that does not fit the type', { id: 42624, format: 'dd.mm.yyyy' }, /is a text field, which is sent as typed, not dd\.mm\.yyyy; left out \(set "control" too\)/],
    ['a date format on a number', { id: 42629, format: 'iso-date' }, /takes the formats decimal, decimal-comma, not iso-date/],
  ])('leaves out %s with a warning', (_name, field, warning) => {
    const built = build({ fields: [field] });
    expect(customOf(built.form.fields)).toEqual([]);
    expect(built.warnings).toEqual([expect.stringMatching(warning)]);
  });

  it('warns when a multichoice option contains its separator', () => {
    const multi = { ...COMMUNITY.fields.find((field) => field.id === 42635)!, possibleValues: [{ order: 1, value: 'Tyres, summer' }] };
    const built = build({ fields: [{ id: 42635 }] }, { fields: [multi], categories: [] });
    expect(customOf(built.form.fields)).toHaveLength(1);
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
    expect(customOf(built.form.fields)[0]?.defaultValue).toBe(expected);
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
  const pickerOf = (input: unknown, definitions?: Definitions) =>
    build({ categories: input }, definitions).form.fields.find((field) => field.path === CATEGORY_PATH);
  /** The picker's options as [id, depth]. */
  const options = (input: unknown, definitions?: Definitions) =>
    pickerOf(input, definitions)?.choices?.map(({ value, depth }) => [Number(value), depth ?? 0]);

  it('offers no picker unless the operator enables one', () => {
    expect(pickerOf({ picker: false })).toBeUndefined();
    expect(build({}).form.fields.map((field) => field.path)).not.toContain(CATEGORY_PATH);
  });

  it('serves the picker as a choice field of category ids: parent before children, siblings in list order, depth when nested', () => {
    expect(pickerOf({ picker: true, label: 'Topic' })).toEqual({
      path: 'categoryId',
      control: 'choice',
      required: false,
      label: 'Topic',
      choices: [
        { value: '15597', label: 'Sales' },
        { value: '15598', label: 'New cars', depth: 1 },
        { value: '15602', label: 'Electric cars', depth: 2 },
        { value: '15599', label: 'Used cars', depth: 1 },
        { value: '15600', label: 'Workshop' },
        { value: '15601', label: 'Tyre change', depth: 1 },
        { value: '15721', label: 'Other cases' },
      ],
    });
  });

  it('puts children after their parent even when the list has them first', () => {
    const reversed = { fields: [], categories: [...COMMUNITY.categories].reverse() };
    expect(options({ picker: true }, reversed)).toEqual([
      [15721, 0],
      [15600, 0],
      [15601, 1],
      [15597, 0],
      [15599, 1],
      [15598, 1],
      [15602, 2],
    ]);
  });

  it('limits the offer to the listed categories and their descendants', () => {
    expect(options({ picker: true, ids: [15598, 15600] })).toEqual([
      [15598, 0],
      [15602, 1],
      [15600, 0],
      [15601, 1],
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
      [1, 0],
      [2, 1],
      [3, 2],
    ]);
  });

  it('warns about listed ids the community does not have, and drops an empty picker', () => {
    const built = build({ categories: { picker: true, ids: [99] } });
    expect(built.form.fields.map((field) => field.path)).not.toContain(CATEGORY_PATH);
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
    expect(built.form.fields.find((field) => field.path === CATEGORY_PATH)).toEqual({
      path: 'categoryId',
      control: 'choice',
      required: true,
      choices: [{ value: '3', label: 'C' }],
    });
    expect(built.warnings).toEqual([expect.stringContaining('category 1 (A) has a parent loop'), expect.stringContaining('category 2 (B)')]);
  });
});

describe('buildForm: built-in fields and layout', () => {
  const field = (input: unknown, path: string) => build(input).form.fields.find((one) => one.path === path);

  it('serves the built-in fields as they are without overrides, email required', () => {
    expect(build({}).form.fields).toEqual(BUILT_IN_FIELDS);
    expect(field({}, 'creator.email')?.required).toBe(true);
  });

  it('hides, requires, makes optional, relabels and gives placeholders as the operator says', () => {
    const input = {
      builtIn: {
        title: { label: 'Subject', placeholder: 'In a few words' },
        sentiment: { hidden: true },
        name: { hidden: true },
        email: { required: false },
        phoneNumber: { required: true, label: 'Mobile' },
      },
    };
    expect(names(input)).toEqual(['title', 'message', 'email', 'phoneNumber']);
    expect(build(input).warnings).toEqual([expect.stringMatching(/^neither name nor email is required: a visitor may send a ticket with neither/)]);
    expect(field(input, 'title')).toEqual({ ...BUILT_IN_FIELDS[0], label: 'Subject', placeholder: 'In a few words' });
    expect(field(input, 'creator.email')).toMatchObject({ control: 'email', required: false, autocomplete: 'email' });
    expect(field(input, 'creator.phoneNumber')).toMatchObject({ control: 'phone', required: true, label: 'Mobile' });
  });

  it('marks built-in fields sensitive as the operator says', () => {
    const input = { builtIn: { phoneNumber: { sensitive: true }, name: { sensitive: false } } };
    expect(field(input, 'creator.phoneNumber')).toEqual({ ...BUILT_IN_FIELDS[5], sensitive: true });
    expect(field(input, 'creator.name')).toEqual(BUILT_IN_FIELDS[3]);
  });

  it.each([
    [{ builtIn: { name: { required: true }, email: { required: false } } }, []],
    [{ builtIn: { name: { hidden: true } } }, []],
    [{ builtIn: { email: { hidden: true } } }, ['neither']],
  ])('warns when no ticket need carry a name or an email (%j)', (input, expected) => {
    expect(build(input).warnings.map((warning) => warning.split(' ')[0])).toEqual(expected);
  });

  it('orders by default: title, message, sentiment, the picker, custom fields, then name, email, phone', () => {
    const input = { fields: [{ id: 42635 }, { id: 42623 }], categories: { picker: true } };
    expect(names(input)).toEqual(['title', 'message', 'sentiment', 'categoryId', 42623, 42635, 'name', 'email', 'phoneNumber']);
  });

  it('puts what the layout names first, in its order, and the rest after in the default order', () => {
    const input = { fields: [{ id: 42635 }, { id: 42623 }], categories: { picker: true }, layout: ['email', 42635, 'categoryId', 'title'] };
    expect(names(input)).toEqual(['email', 42635, 'categoryId', 'title', 'message', 'sentiment', 42623, 'name', 'phoneNumber']);
    expect(build(input).warnings).toEqual([]);
  });

  it('warns about a custom id in the layout that the form does not offer, and lays out the rest', () => {
    const built = build({ fields: [{ id: 42626 }], layout: [42626, 42623, 'phoneNumber'] });
    expect(built.form.fields[0]?.path).toBe('creator.phoneNumber');
    expect(built.warnings).toEqual([
      expect.stringMatching(/^custom field 42626 .* is hidden/),
      'layout names custom field 42626, which the form does not offer; ignored',
      'layout names custom field 42623, which the form does not offer; ignored',
    ]);
  });

  it('builds the schemas a request is checked with: a hidden built-in is unknown, a required one required', () => {
    const built = build({ builtIn: { name: { hidden: true }, phoneNumber: { required: true } } });
    const { typed } = formSchemas(built);
    const values = { title: 'T', message: 'M', 'creator.email': 'ann@example.com' };
    expect(checkValues(typed, { ...values, 'creator.phoneNumber': '+47 22 33 44 55' }).ok).toBe(true);
    expect(checkValues(typed, { ...values, 'creator.phoneNumber': '+47 22', 'creator.name': 'Ann' })).toEqual({
      ok: false,
      error: [
        { path: 'creator.phoneNumber', code: 'invalid_phone' },
        { path: 'creator.name', code: 'unknown_field' },
      ],
    });
    expect(checkValues(typed, values)).toEqual({ ok: false, error: [{ path: 'creator.phoneNumber', code: 'required' }] });
    expect(servedForm(built).fields.map((one) => one.path)).not.toContain('creator.name');
  });
});
