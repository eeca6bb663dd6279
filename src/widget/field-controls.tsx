/**
 * Labelled form controls that show their own error message and tell assistive tech about it, and
 * the one component that renders any field (built-in or custom) from its spec. Each field reads
 * its own signals, so typing in one re-renders that field alone.
 */
import type { ComponentChildren } from 'preact';
import type { FieldIssue } from '../shared/field-issues';
import type { FieldValue } from '../shared/field-values';
import { CATEGORY_PATH, customFieldId, type FormChoice, type FormField } from '../shared/form-definition';
import type { FieldModel } from '../submitter/form-model';
import type { MessageKey, Translate } from './i18n';

export interface FieldProps {
  id: string;
  label: string;
  optional?: boolean;
  issue?: FieldIssue | undefined;
  t: Translate;
  /** Shares a row with a neighbouring half-width field. */
  half?: boolean | undefined;
  /**
   * A submission is on its way: what it sends cannot change. Text stays readable and selectable
   * (read-only); a choice, which HTML cannot make read-only, is disabled until the relay answers.
   */
  busy?: boolean | undefined;
}

/** The attributes that tie a control to its message; none without one (Preact removes them when it goes). */
const described = (id: string, issue?: FieldIssue) => (issue ? { 'aria-invalid': 'true' as const, 'aria-describedby': `${id}-error` } : {});

/** The attributes of a field's own control: its id and name, its message, and whether it is required. */
const controlAttributes = ({ id, issue, optional }: FieldProps) => ({
  id,
  name: id,
  ...described(id, issue),
  'aria-required': optional ? undefined : ('true' as const),
});

/** The words for a field's problem, with its limit. */
export const issueText = (issue: FieldIssue, t: Translate) => t(`field.${issue.code}`, { limit: issue.limit ?? '' });

/**
 * Label (or legend, for a group), message and control, in that order; a checkbox (`check`) comes
 * before its label. The label says "optional" where a field may be left empty, and a checkbox
 * "required" where it must be ticked. `message` replaces the words for the issue's code (the
 * attachments say a file failed to upload). The message is tied to its control by id (see `described`).
 */
export function Field({
  id,
  label,
  optional,
  issue,
  t,
  half,
  group,
  check,
  message,
  children,
}: FieldProps & { group?: boolean; check?: boolean; message?: string | undefined; children: ComponentChildren }) {
  const marker = check ? !optional && 'required' : optional && 'optional';
  const text = (
    <>
      {label}
      {marker && <span class="optional"> ({t(marker)})</span>}
    </>
  );
  const caption = group ? <legend>{text}</legend> : <label for={id}>{text}</label>;
  const Box = group ? 'fieldset' : 'div';
  return (
    <Box class={`field${check ? ' check' : ''}${half ? ' half' : ''}`} {...(group ? described(id, issue) : {})}>
      {check || caption}
      {issue && (
        <p id={`${id}-error`} class="error">
          {message ?? issueText(issue, t)}
        </p>
      )}
      {children}
      {check && caption}
    </Box>
  );
}

export interface TextProps extends FieldProps {
  value: string;
  onInput?: (value: string) => void;
  onBlur?: () => void;
  multiline?: boolean;
  type?: 'text' | 'email' | 'tel' | 'url' | 'date';
  autocomplete?: string;
  inputMode?: 'email' | 'tel' | 'text' | 'decimal' | 'url';
  placeholder?: string | undefined;
  readOnly?: boolean;
}

/** A text input or textarea. */
export function TextControl(props: TextProps) {
  const { value, onInput, onBlur, multiline, type = 'text', autocomplete, inputMode, placeholder, readOnly, busy } = props;
  const shared = {
    ...controlAttributes(props),
    value,
    placeholder,
    readOnly: readOnly || busy,
    onInput: (event: Event) => onInput?.((event.currentTarget as HTMLInputElement).value),
    onBlur,
  };
  return (
    <Field {...props}>
      {multiline ? (
        <textarea {...shared} rows={6} />
      ) : (
        <input {...shared} type={type as 'text'} autoComplete={autocomplete} inputMode={inputMode} />
      )}
    </Field>
  );
}

export interface Choice {
  value: string;
  label: string;
}

interface SelectProps extends FieldProps {
  value: string;
  choices: readonly Choice[];
  onChange: (value: string) => void;
}

/** A native select with an empty first option, so nothing is chosen until the visitor chooses. */
export function SelectControl(props: SelectProps) {
  const { value, choices, onChange, t } = props;
  return (
    <Field {...props}>
      <select
        {...controlAttributes(props)}
        disabled={props.busy}
        onChange={(event) => onChange(event.currentTarget.value)}
      >
        <option value="">{t('choose')}</option>
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value} selected={choice.value === value}>
            {choice.label}
          </option>
        ))}
      </select>
    </Field>
  );
}

interface ChoiceProps extends FieldProps {
  /** The chosen value, or values when `multiple`. */
  value: string | readonly string[];
  choices: readonly Choice[];
  multiple?: boolean;
  onChange: (value: string | string[]) => void;
}

/** Radio buttons (or checkboxes when `multiple`), shown as pills, in a fieldset whose legend is the label. */
export function ChoiceControl(props: ChoiceProps) {
  const { id, value, choices, multiple, onChange } = props;
  const chosen = new Set(typeof value === 'string' ? [value] : value);
  return (
    <Field {...props} group>
      <div class="pills">
        {choices.map((choice) => (
          <label class="pill" key={choice.value}>
            <input
              type={multiple ? 'checkbox' : 'radio'}
              name={id}
              value={choice.value}
              checked={chosen.has(choice.value)}
              disabled={props.busy}
              // Several: the chosen ones in the options' order, with this one's choice flipped.
              onChange={() =>
                onChange(multiple ? choices.map((option) => option.value).filter((one) => (one === choice.value) !== chosen.has(one)) : choice.value)
              }
            />
            <span>{choice.label}</span>
          </label>
        ))}
      </div>
    </Field>
  );
}

interface CheckProps extends FieldProps {
  checked: boolean;
  onChange: (checked: boolean) => void;
}

/** One checkbox with its label beside it ("Subscribe to the newsletter"). */
export function CheckControl(props: CheckProps) {
  const { checked, onChange } = props;
  return (
    <Field {...props} check>
      <input
        type="checkbox"
        {...controlAttributes(props)}
        checked={checked}
        disabled={props.busy}
        onChange={(event) => onChange(event.currentTarget.checked)}
      />
    </Field>
  );
}

/** Input type and keyboard per text-like control. Numbers use a text input: type=number hides bad input. */
const TEXT_INPUTS: Partial<Record<FormField['control'], Pick<TextProps, 'type' | 'inputMode'>>> = {
  number: { inputMode: 'decimal' },
  date: { type: 'date' },
  email: { type: 'email', inputMode: 'email' },
  phone: { type: 'tel', inputMode: 'tel' },
  url: { type: 'url', inputMode: 'url' },
};

/** A field's own word in the catalogue: its name, except the category picker's, which keeps its published key `category`. */
const labelKey = (name: string) => (name === CATEGORY_PATH ? 'category' : name) as MessageKey;

/** An option's words: the operator's, or for a built-in field the widget's own (`sentiment.praise`). */
const choiceLabel = (name: string, choice: FormChoice, t: Translate) => choice.label ?? t(`${name}.${choice.value}` as MessageKey);

/** What a locked field shows: its value in words. */
function display({ field, name }: FieldModel, value: FieldValue, t: Translate): string {
  if (field.control === 'checkbox') return t(value === 'true' ? 'yes' : 'no');
  const label = (one: string) => {
    const choice = field.choices?.find((option) => option.value === one);
    return choice ? choiceLabel(name, choice, t) : one;
  };
  return typeof value === 'string' ? label(value) : value.map(label).join(', ');
}

/** A field's control's id and name: custom field ids are numbers, and an element id must not start with a digit. */
export const controlId = ({ field, name }: FieldModel) => (customFieldId(field.path) === undefined ? name : `f${name}`);

/** A field's label: the operator's, else the widget's own word for it. */
export const fieldLabel = ({ field, name }: FieldModel, t: Translate) => field.label ?? t(labelKey(name));

/** Any field, with the control its spec asks for. */
export function FieldView({ model, t, busy }: { model: FieldModel; t: Translate; busy: boolean }) {
  const { field, name } = model;
  const value = model.value.value;
  const common = {
    id: controlId(model),
    label: fieldLabel(model, t),
    optional: !field.required,
    issue: model.issue.value,
    half: field.half,
    busy,
    t,
  };
  if (model.locked.value) return <TextControl {...common} value={display(model, value, t)} readOnly />;
  const text = String(value);
  const choose = (next: FieldValue) => {
    model.set(next);
    model.leave();
  };
  const choices = (field.choices ?? []).map((choice) => ({
    value: choice.value,
    // Categories are indented by their depth in the tree.
    label: '\u2003'.repeat(choice.depth ?? 0) + choiceLabel(name, choice, t),
  }));
  switch (field.control) {
    case 'choice':
      return <SelectControl {...common} value={text} choices={choices} onChange={choose} />;
    case 'radio':
      return <ChoiceControl {...common} value={text} choices={choices} onChange={choose} />;
    case 'multichoice':
      return <ChoiceControl {...common} value={typeof value === 'string' ? [] : value} choices={choices} multiple onChange={choose} />;
    case 'checkbox':
      return <CheckControl {...common} checked={value === 'true'} onChange={(checked) => choose(String(checked))} />;
    default:
      return (
        <TextControl
          {...common}
          {...TEXT_INPUTS[field.control]}
          multiline={field.control === 'multiline'}
          placeholder={field.placeholder}
          autocomplete={field.autocomplete ?? 'off'}
          value={text}
          onInput={model.set}
          onBlur={model.leave}
        />
      );
  }
}
