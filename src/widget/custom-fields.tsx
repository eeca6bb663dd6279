/** Renders the community's custom fields and the category picker from the relay's form definition. */
import type { FormCategories, FormField } from '../shared/form-definition';
import { CheckControl, ChoiceControl, SelectControl, TextControl, type TextProps } from './field-controls';
import { CATEGORY_PATH, customPath, type FormState } from './form-state';
import type { Translate } from './i18n';

/** Input type and keyboard per text-like control. Numbers use a text input: type=number hides bad input. */
const TEXT_INPUTS: Partial<Record<FormField['control'], Pick<TextProps, 'type' | 'inputMode'>>> = {
  number: { inputMode: 'decimal' },
  date: { type: 'date' },
  email: { type: 'email', inputMode: 'email' },
  phone: { type: 'tel', inputMode: 'tel' },
  url: { type: 'url', inputMode: 'url' },
};

interface Props {
  state: FormState;
  t: Translate;
}

/** What a locked field shows: its value in words. */
function display(field: FormField, value: string | readonly string[], t: Translate): string {
  if (field.control === 'checkbox') return t(value === 'true' ? 'yes' : 'no');
  const label = (one: string) => field.choices?.find((choice) => choice.value === one)?.label ?? one;
  return typeof value === 'string' ? label(value) : value.map(label).join(', ');
}

/** One custom field, with the control its definition asks for. */
export function CustomField({ field, state, t }: Props & { field: FormField }) {
  const path = customPath(field.id);
  const value = state.get(path);
  const common = {
    id: `f${field.id}`,
    label: field.label,
    optional: !field.required,
    issue: state.errors.value[path],
    t,
  };
  const set = (next: string | string[]) => {
    state.set(path, next);
    state.validateField(path);
  };
  if (state.locked.value.has(path)) {
    return <TextControl {...common} value={display(field, value, t)} readOnly onInput={() => {}} onBlur={() => {}} />;
  }
  const choices = field.choices ?? [];
  switch (field.control) {
    case 'choice':
      return <SelectControl {...common} value={String(value)} choices={choices} onChange={set} />;
    case 'multichoice':
      return <ChoiceControl {...common} value={typeof value === 'string' ? [] : value} choices={choices} multiple onChange={set} />;
    case 'checkbox':
      return <CheckControl {...common} checked={value === 'true'} onChange={(checked) => set(String(checked))} />;
    default:
      return (
        <TextControl
          {...common}
          {...TEXT_INPUTS[field.control]}
          multiline={field.control === 'multiline'}
          placeholder={field.placeholder}
          autocomplete="off"
          value={String(value)}
          onInput={(next) => state.set(path, next)}
          onBlur={() => state.validateField(path)}
        />
      );
  }
}

/** The category picker: a select whose options are indented by their depth in the tree. */
export function CategoryPicker({ categories, state, t }: Props & { categories: FormCategories }) {
  const common = {
    id: CATEGORY_PATH,
    label: categories.label ?? t('category'),
    optional: !categories.required,
    issue: state.errors.value[CATEGORY_PATH],
    t,
  };
  const choices = categories.options.map((category) => ({
    value: String(category.id),
    label: '\u2003'.repeat(Math.max(0, category.depth) || 0) + category.name,
  }));
  const value = state.category.value;
  if (state.locked.value.has(CATEGORY_PATH)) {
    const name = categories.options.find((category) => String(category.id) === value)?.name ?? value;
    return <TextControl {...common} value={name} readOnly onInput={() => {}} onBlur={() => {}} />;
  }
  return (
    <SelectControl
      {...common}
      value={value}
      choices={choices}
      onChange={(next) => {
        state.set(CATEGORY_PATH, next);
        state.validateField(CATEGORY_PATH);
      }}
    />
  );
}
