import { describe, expect, it } from 'vitest';
import { configLanguages, localize, needsDefinitions, parseFormConfig } from '../../../src/relay/form/form-config';

const problemsOf = (config: unknown) => {
  const result = parseFormConfig(typeof config === 'string' ? config : JSON.stringify(config));
  if (result.ok) throw new Error('expected problems');
  return result.error;
};

describe('form config', () => {
  it('reads the full example with defaults filled in', () => {
    const result = parseFormConfig(
      JSON.stringify({
        order: 'listed',
        fields: [
          { id: 42623 },
          { id: 42628, control: 'multiline', label: 'What happened?', required: true, placeholder: 'Tell us', maxLength: 2000 },
          { id: 42626, prefillOnly: true },
          { id: 42630, format: 'dd.mm.yyyy', defaultValue: '2025-01-31' },
        ],
        categories: { picker: true, ids: [15597, 15600], label: 'Topic' },
      }),
    );
    expect(result).toEqual({
      ok: true,
      value: {
        order: 'listed',
        fields: [
          { id: 42623 },
          { id: 42628, control: 'multiline', label: 'What happened?', required: true, placeholder: 'Tell us', maxLength: 2000 },
          { id: 42626, prefillOnly: true },
          { id: 42630, format: 'dd.mm.yyyy', defaultValue: '2025-01-31' },
        ],
        categories: { picker: true, ids: [15597, 15600], required: false, label: 'Topic' },
        builtIn: {},
      },
    });
  });

  it('reads built-in overrides and a layout', () => {
    const result = parseFormConfig(
      JSON.stringify({
        fields: [{ id: 42623 }],
        categories: { picker: true },
        builtIn: { title: { label: 'Subject' }, name: { hidden: true }, email: { required: false }, phoneNumber: { required: true, placeholder: '+47 …' } },
        layout: ['email', 42623, 'categoryId', 'title'],
      }),
    );
    expect(result).toMatchObject({
      ok: true,
      value: {
        builtIn: { title: { label: 'Subject' }, name: { hidden: true }, email: { required: false }, phoneNumber: { required: true, placeholder: '+47 …' } },
        layout: ['email', 42623, 'categoryId', 'title'],
      },
    });
  });

  it('reads which fields are sensitive, custom and built-in', () => {
    const result = parseFormConfig(JSON.stringify({ fields: [{ id: 42627, sensitive: true }, { id: 42623, sensitive: false }], builtIn: { phoneNumber: { sensitive: true } } }));
    expect(result).toMatchObject({
      ok: true,
      value: { fields: [{ id: 42627, sensitive: true }, { id: 42623, sensitive: false }], builtIn: { phoneNumber: { sensitive: true } } },
    });
  });

  it('reads an empty object as no fields, community order and no picker', () => {
    expect(parseFormConfig('{}')).toEqual({ ok: true, value: { order: 'community', fields: [], builtIn: {} } });
  });

  it.each([
    ['not JSON', '{"fields": [', /^is not valid JSON/],
    ['a list', [], /^must be a JSON object/],
    ['an unknown top-level key', { field: [] }, /^field is not a known key \(known: order, fields, categories, builtIn, layout\)$/],
    ['a bad order', { order: 'alphabetical' }, /^order must be community or listed$/],
    ['fields not a list', { fields: { id: 1 } }, /^fields must be a list of fields$/],
    ['a field without an id', { fields: [{ label: 'x' }] }, /^fields\[0\]\.id is required$/],
    ['a field id that is a string', { fields: [{ id: '42623' }] }, /^fields\[0\]\.id must be a positive integer/],
    ['a field id of 0', { fields: [{ id: 0 }] }, /^fields\[0\]\.id must be a positive integer/],
    ['a misspelt override', { fields: [{ id: 1 }, { id: 2, lable: 'x' }] }, /^fields\[1\]\.lable is not a known key \(known: id, label,/],
    ['an unknown control', { fields: [{ id: 1 }, { id: 2 }, { id: 3, control: 'slider' }] }, /^fields\[2\]\.control must be one of text, multiline, number, date, email, phone, url, checkbox, choice, radio, multichoice$/],
    ['an unknown format', { fields: [{ id: 1, format: 'dd/mm/yy' }] }, /^fields\[0\]\.format must be one of iso-date, dd\.mm\.yyyy,/],
    ['a format that does not fit the control', { fields: [{ id: 1, control: 'number', format: 'dd.mm.yyyy' }] }, /^fields\[0\]\.format must be one of decimal, decimal-comma for control number$/],
    ['a format on a control sent as typed', { fields: [{ id: 1, control: 'email', format: 'comma' }] }, /^fields\[0\]\.format does not apply: control email is sent as typed$/],
    ['a blank label', { fields: [{ id: 1, label: '  ' }] }, /^fields\[0\]\.label must not be blank$/],
    ['required as a string', { fields: [{ id: 1, required: 'yes' }] }, /^fields\[0\]\.required must be true or false$/],
    ['prefillOnly as a number', { fields: [{ id: 1, prefillOnly: 1 }] }, /^fields\[0\]\.prefillOnly must be true or false$/],
    ['sensitive as a string', { fields: [{ id: 1, sensitive: 'yes' }] }, /^fields\[0\]\.sensitive must be true or false$/],
    ['a built-in sensitive as a number', { builtIn: { phoneNumber: { sensitive: 1 } } }, /^builtIn\.phoneNumber\.sensitive must be true or false$/],
    ['a maxLength over the cap', { fields: [{ id: 1, maxLength: 5000 }] }, /^fields\[0\]\.maxLength must be an integer from 1 to 2000$/],
    ['a defaultValue that is a number', { fields: [{ id: 1, defaultValue: 3 }] }, /^fields\[0\]\.defaultValue must be a string$/],
    ['an id listed twice', { fields: [{ id: 7 }, { id: 8 }, { id: 7 }] }, /^fields must list each id once \(7 repeated\)$/],
    ['categories without picker', { categories: { ids: [1] } }, /^categories\.picker must be true or false$/],
    ['picker false with options', { categories: { picker: false, ids: [1] } }, /^categories\.ids is not a known key \(known: picker\)$/],
    ['category ids that are names', { categories: { picker: true, ids: ['Sales'] } }, /^categories\.ids\[0\] must be a positive integer/],
    ['an empty category id list', { categories: { picker: true, ids: [] } }, /^categories\.ids must not be empty/],
    ['an unknown category key', { categories: { picker: true, fixed: 15597 } }, /^categories\.fixed is not a known key \(known: picker, ids, required, label\)$/],
    ['an unknown built-in field', { builtIn: { phone: { hidden: true } } }, /^builtIn\.phone is not a known key \(known: title, message, sentiment, name, email, phoneNumber\)$/],
    ['a misspelt built-in override', { builtIn: { name: { hiden: true } } }, /^builtIn\.name\.hiden is not a known key \(known: hidden, required, label, placeholder, sensitive\)$/],
    ['a hidden title', { builtIn: { title: { hidden: true } } }, /^builtIn\.title\.hidden cannot be true: title is always asked$/],
    ['an optional message', { builtIn: { message: { required: false } } }, /^builtIn\.message\.required cannot be false: message is always required$/],
    ['a hidden required field', { builtIn: { phoneNumber: { hidden: true, required: true } } }, /^builtIn\.phoneNumber\.required cannot be true for a hidden field/],
    ['a blank built-in label', { builtIn: { email: { label: ' ' } } }, /^builtIn\.email\.label must not be blank$/],
    ['a label that is a number', { fields: [{ id: 1, label: 7 }] }, /^fields\[0\]\.label must be a string, or an object of strings by language/],
    ['a per-language label keyed by something not a language', { fields: [{ id: 1, label: { english: 'Order' } }] }, /^fields\[0\]\.label\.english must be a language tag such as "en" or "pt-BR", or "\*"/],
    ['a blank label in one language', { builtIn: { name: { label: { en: 'Name', nb: ' ' } } } }, /^builtIn\.name\.label\.nb must not be blank$/],
    ['a per-language label with no language', { categories: { picker: true, label: {} } }, /^categories\.label must name at least one language$/],
    ['a layout that is not a list', { layout: 'title' }, /^layout must be a list of field names and custom field ids$/],
    ['an unknown name in the layout', { layout: ['title', 'phone'] }, /^layout\[1\] must be a built-in field name \(title, message, sentiment, name, email, phoneNumber, categoryId\) or a custom field id/],
    ['a custom id as a string in the layout', { layout: ['42623'] }, /^layout\[0\] must be a built-in field name/],
    ['a name twice in the layout', { layout: ['email', 'title', 'email'] }, /^layout must name each field once \(email repeated\)$/],
    ['a hidden built-in in the layout', { builtIn: { name: { hidden: true } }, layout: ['name'] }, /^layout names name, which builtIn\.name\.hidden hides$/],
    ['categoryId in the layout without a picker', { layout: ['categoryId'] }, /^layout names categoryId, but the form has no category picker \(categories\.picker\)$/],
  ])('refuses %s, naming the key path', (_name, config, message) => {
    const problems = problemsOf(config);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('reads per-language labels and placeholders, keeping their tags in lower case, and lists the languages', () => {
    const parsed = parseFormConfig(
      JSON.stringify({
        fields: [{ id: 42623, label: { en: 'Region', 'nb-NO': 'Fylke', '*': 'Region' }, placeholder: 'Oslo' }],
        builtIn: { title: { label: 'Subject' }, email: { placeholder: { sv: 'namn@exempel.se', de: 'name@beispiel.de' } } },
        categories: { picker: true, label: { fr: 'Sujet' } },
      }),
    );
    if (!parsed.ok) throw new Error(parsed.error.join('\n'));
    expect(parsed.value.fields[0]?.label).toEqual({ en: 'Region', 'nb-no': 'Fylke', '*': 'Region' });
    expect(configLanguages(parsed.value)).toEqual(['de', 'en', 'fr', 'nb-no', 'sv']);
  });

  it.each([
    ['nb', 'Ordrenummer'],
    ['NB-no', 'Ordrenummer (Norge)'],
    ['nb-SJ', 'Ordrenummer'],
    ['nb-NO', 'Ordrenummer (Norge)'],
    ['de-AT', 'Bestellnummer'],
    ['fr', 'Order no.'],
    [undefined, 'Order no.'],
  ])('picks the text for %s: its own tag, else its primary language, else "*"', (language, expected) => {
    const texts = { nb: 'Ordrenummer', 'nb-no': 'Ordrenummer (Norge)', de: 'Bestellnummer', '*': 'Order no.' };
    expect(localize(texts, language)).toBe(expected);
  });

  it('finds no text for a language the texts do not name and that has no "*", so the caller falls back', () => {
    expect(localize({ nb: 'Ordrenummer' }, 'sv')).toBeUndefined();
    expect(localize('Order number', 'sv')).toBe('Order number');
    expect(localize(undefined, 'sv')).toBeUndefined();
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ order: 'x', fields: [{ id: 1, control: 'slider' }, { id: -2 }] })).toEqual([
      'order must be community or listed',
      expect.stringMatching(/^fields\[0\]\.control /),
      expect.stringMatching(/^fields\[1\]\.id /),
    ]);
  });

  it.each([
    [{}, false],
    [{ categories: { picker: false } }, false],
    [{ categories: { picker: true } }, true],
    [{ fields: [{ id: 1 }] }, true],
    [{ builtIn: { name: { hidden: true } }, layout: ['email'] }, false],
  ])('knows whether %j needs Socialboards definitions', (config, needed) => {
    const result = parseFormConfig(JSON.stringify(config));
    expect(result.ok && needsDefinitions(result.value)).toBe(needed);
  });
});
