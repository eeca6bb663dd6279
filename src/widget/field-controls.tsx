/** Labelled form controls that show their own error message and tell assistive tech about it. */
import type { ComponentChildren } from 'preact';
import { formatIssue, type FieldIssue } from '../shared/field-issues';
import type { Translate } from './i18n';

interface FieldProps {
  id: string;
  label: string;
  optional?: boolean;
  issue?: FieldIssue | undefined;
  t: Translate;
}

/** The message under a field, in the visitor's language. */
function ErrorText({ id, issue, t }: { id: string; issue?: FieldIssue | undefined; t: Translate }) {
  if (!issue) return null;
  return (
    <p id={`${id}-error`} class="sb-error">
      {formatIssue(t(`field.${issue.code}`), issue)}
    </p>
  );
}

function Label({ id, label, optional, t }: FieldProps) {
  return (
    <label for={id}>
      {label}
      {optional && <span class="sb-optional"> ({t('optional')})</span>}
    </label>
  );
}

interface TextProps extends FieldProps {
  value: string;
  onInput: (value: string) => void;
  onBlur: () => void;
  multiline?: boolean;
  type?: 'text' | 'email' | 'tel';
  autocomplete?: string;
  inputMode?: 'email' | 'tel' | 'text';
}

/** A text input or textarea with label and error. */
export function TextControl(props: TextProps) {
  const { id, issue, value, onInput, onBlur, multiline, type = 'text', autocomplete, inputMode, optional, t } = props;
  const shared = {
    id,
    name: id,
    value,
    'aria-invalid': issue ? ('true' as const) : undefined,
    'aria-describedby': issue ? `${id}-error` : undefined,
    'aria-required': optional ? undefined : ('true' as const),
    onInput: (event: Event) => onInput((event.currentTarget as HTMLInputElement).value),
    onBlur,
  };
  return (
    <div class="sb-field">
      <Label {...props} />
      <ErrorText id={id} issue={issue} t={t} />
      {multiline ? (
        <textarea {...shared} rows={6} />
      ) : (
        <input {...shared} type={type as "text"} autoComplete={autocomplete} inputMode={inputMode} />
      )}
    </div>
  );
}

interface ChoiceProps extends FieldProps {
  value: string;
  choices: readonly { value: string; label: string }[];
  onChange: (value: string) => void;
}

/** A group of radio buttons, shown as pills, in a fieldset whose legend is the label. */
export function ChoiceControl({ id, label, optional, issue, value, choices, onChange, t }: ChoiceProps): ComponentChildren {
  return (
    <fieldset
      class="sb-field sb-choices"
      aria-invalid={issue ? 'true' : undefined}
      aria-describedby={issue ? `${id}-error` : undefined}
    >
      <legend>
        {label}
        {optional && <span class="sb-optional"> ({t('optional')})</span>}
      </legend>
      <ErrorText id={id} issue={issue} t={t} />
      <div class="sb-pills">
        {choices.map((choice) => (
          <label class="sb-pill" key={choice.value}>
            <input
              type="radio"
              name={id}
              value={choice.value}
              checked={value === choice.value}
              onChange={() => onChange(choice.value)}
            />
            <span>{choice.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
