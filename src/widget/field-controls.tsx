/** Labelled form controls that show their own error message and tell assistive tech about it. */
import type { ComponentChildren } from 'preact';
import { formatIssue, type FieldIssue } from '../shared/field-issues';
import type { Translate } from './i18n';

export interface FieldProps {
  id: string;
  label: string;
  optional?: boolean;
  issue?: FieldIssue | undefined;
  t: Translate;
}

/** The attributes that tie a control to its message. */
const described = (id: string, issue?: FieldIssue) => ({
  'aria-invalid': issue ? ('true' as const) : undefined,
  'aria-describedby': issue ? `${id}-error` : undefined,
});

/** Label (or legend, for a group), message and control, in that order. */
function Field({ id, label, optional, issue, t, group, children }: FieldProps & { group?: boolean; children: ComponentChildren }) {
  const text = (
    <>
      {label}
      {optional && <span class="optional"> ({t('optional')})</span>}
    </>
  );
  const error = issue && (
    <p id={`${id}-error`} class="error">
      {formatIssue(t(`field.${issue.code}`), issue)}
    </p>
  );
  return group ? (
    <fieldset class="field" {...described(id, issue)}>
      <legend>{text}</legend>
      {error}
      {children}
    </fieldset>
  ) : (
    <div class="field">
      <label for={id}>{text}</label>
      {error}
      {children}
    </div>
  );
}

export interface TextProps extends FieldProps {
  value: string;
  onInput: (value: string) => void;
  onBlur: () => void;
  multiline?: boolean;
  type?: 'text' | 'email' | 'tel' | 'url' | 'date';
  autocomplete?: string;
  inputMode?: 'email' | 'tel' | 'text' | 'decimal' | 'url';
  placeholder?: string | undefined;
  readOnly?: boolean;
}

/** A text input or textarea. */
export function TextControl(props: TextProps) {
  const { id, issue, value, onInput, onBlur, multiline, type = 'text', autocomplete, inputMode, optional, placeholder, readOnly } = props;
  const shared = {
    id,
    name: id,
    value,
    placeholder,
    readOnly,
    ...described(id, issue),
    'aria-required': optional ? undefined : ('true' as const),
    onInput: (event: Event) => onInput((event.currentTarget as HTMLInputElement).value),
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
  const { id, issue, value, choices, onChange, optional, t } = props;
  return (
    <Field {...props}>
      <select
        id={id}
        name={id}
        {...described(id, issue)}
        aria-required={optional ? undefined : 'true'}
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
              onChange={() => {
                if (!multiple) return onChange(choice.value);
                const next = new Set(chosen);
                if (!next.delete(choice.value)) next.add(choice.value);
                onChange(choices.map((option) => option.value).filter((option) => next.has(option)));
              }}
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
export function CheckControl({ id, label, optional, issue, checked, onChange, t }: CheckProps) {
  return (
    <div class="field check">
      {issue && (
        <p id={`${id}-error`} class="error">
          {formatIssue(t(`field.${issue.code}`), issue)}
        </p>
      )}
      <input
        type="checkbox"
        id={id}
        name={id}
        checked={checked}
        {...described(id, issue)}
        aria-required={optional ? undefined : 'true'}
        onChange={(event) => onChange(event.currentTarget.checked)}
      />
      <label for={id}>
        {label}
        {optional || <span class="optional"> ({t('required')})</span>}
      </label>
    </div>
  );
}
