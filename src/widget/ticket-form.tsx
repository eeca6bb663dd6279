/** The ticket form: fields, sending state, errors and the confirmation, driven by form-state signals. */
import { useLayoutEffect, useRef } from 'preact/hooks';
import { SENTIMENTS } from '../shared/ticket-request';
import { ChoiceControl, TextControl } from './field-controls';
import type { FieldName, FormState } from './form-state';
import { submitErrorKey, type Translate } from './i18n';

export interface TicketFormProps {
  state: FormState;
  t: Translate;
  requireEmail: boolean;
  onSend: () => void;
}

/** Text fields in display order, with what the browser should autofill into them. */
const TEXT_FIELDS: readonly {
  name: Exclude<FieldName, 'sentiment'>;
  optional?: boolean;
  multiline?: boolean;
  type?: 'text' | 'email' | 'tel';
  autocomplete?: string;
  inputMode?: 'email' | 'tel';
}[] = [
  { name: 'name', optional: true, autocomplete: 'name' },
  { name: 'email', type: 'email', autocomplete: 'email', inputMode: 'email' },
  { name: 'phoneNumber', optional: true, type: 'tel', autocomplete: 'tel', inputMode: 'tel' },
];

export function TicketForm({ state, t, requireEmail, onSend }: TicketFormProps) {
  const formRef = useRef<HTMLFormElement>(null);
  const doneRef = useRef<HTMLHeadingElement>(null);
  const { values, errors, status } = state;
  const current = status.value;
  const focusRequest = state.focusRequest.value;

  // After a failed validation, move focus to the first invalid field, in the order shown.
  useLayoutEffect(() => {
    if (focusRequest) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]:not(fieldset), fieldset[aria-invalid="true"] input')?.focus();
  }, [focusRequest]);
  useLayoutEffect(() => {
    if (current.kind === 'sent') doneRef.current?.focus();
  }, [current.kind]);

  if (current.kind === 'sent') {
    return (
      <div class="sb-done">
        <h2 ref={doneRef} tabIndex={-1}>
          {t('sentHeading')}
        </h2>
        <p>{t('sentBody', { id: current.ticketId })}</p>
        <button type="button" class="sb-secondary" onClick={state.reset}>
          {t('sendAnother')}
        </button>
      </div>
    );
  }

  const sending = current.kind === 'sending';
  const text = (field: (typeof TEXT_FIELDS)[number] | { name: 'title' | 'message'; multiline?: boolean }) => (
    <TextControl
      key={field.name}
      id={field.name}
      label={t(field.name)}
      t={t}
      {...field}
      optional={'optional' in field ? field.optional : field.name === 'email' ? !requireEmail : false}
      value={values.value[field.name]}
      issue={errors.value[field.name]}
      onInput={(value) => state.set(field.name, value)}
      onBlur={() => state.validateField(field.name)}
    />
  );

  return (
    <form
      ref={formRef}
      class="sb-form"
      noValidate
      aria-labelledby="sb-heading"
      aria-busy={sending ? 'true' : undefined}
      onSubmit={(event) => {
        event.preventDefault();
        onSend();
      }}
    >
      <h2 id="sb-heading">{t('heading')}</h2>
      {current.kind === 'failed' && (
        <p class="sb-alert" role="alert">
          {t(submitErrorKey(current.code))}
        </p>
      )}
      {text({ name: 'title' })}
      {text({ name: 'message', multiline: true })}
      <ChoiceControl
        id="sentiment"
        label={t('sentiment')}
        optional
        t={t}
        value={values.value.sentiment}
        issue={errors.value.sentiment}
        choices={SENTIMENTS.map((value) => ({ value, label: t(`sentiment.${value}`) }))}
        onChange={(value) => state.set('sentiment', value)}
      />
      <div class="sb-row">{TEXT_FIELDS.slice(0, 2).map(text)}</div>
      {TEXT_FIELDS.slice(2).map(text)}
      <div class="sb-actions">
        <button type="submit" class="sb-primary" aria-disabled={sending ? 'true' : undefined}>
          {sending && <span class="sb-spinner" aria-hidden="true" />}
          {sending ? t(current.retry ? 'retrying' : 'sending') : t('submit')}
        </button>
      </div>
    </form>
  );
}

/**
 * Text for the polite live region, which exists before it changes so screen readers hear it.
 * Failures are not repeated here: the form's alert announces them.
 */
export function statusText(state: FormState, t: Translate): string {
  const current = state.status.value;
  if (current.kind === 'sending') return current.retry ? t('retrying') : t('sending');
  if (current.kind === 'sent') return t('sentBody', { id: current.ticketId });
  return '';
}
