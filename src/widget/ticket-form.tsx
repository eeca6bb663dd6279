/** The ticket form: fields, sending state, errors and the confirmation, driven by the form state. */
import { SENTIMENTS } from '../shared/ticket-request';
import { Attachments, filesOf } from './attachments';
import { nameScreenshot } from './attachments-state';
import { ChallengeBox } from './challenge-box';
import { CategoryPicker, CustomField } from './custom-fields';
import { ChoiceControl, TextControl } from './field-controls';
import { FIELD_PATHS, type FieldName, type FormState } from './form-state';
import { submitErrorText, type Translate } from './i18n';

export interface TicketFormProps {
  state: FormState;
  t: Translate;
  requireEmail: boolean;
  /** Sends the form; `trap` is the honeypot's value at that moment. */
  onSend: (trap: string) => void;
  /** Loads the form definition again after a failure. */
  onReload: () => void;
}

interface TextField {
  name: Exclude<FieldName, 'sentiment'>;
  optional?: boolean;
  multiline?: boolean;
  type?: 'email' | 'tel';
  autocomplete?: string;
  inputMode?: 'email' | 'tel';
}

/**
 * The honeypot's name: meaningless, so no browser autofill or password manager matches it to a
 * field it knows (they go by name, id, autocomplete and label; docs/spam.md).
 */
const TRAP = 'sb-x7';

/** The built-in text fields in display order, with what the browser should autofill into them. */
const TEXT_FIELDS: readonly TextField[] = [
  { name: 'title' },
  { name: 'message', multiline: true },
  { name: 'name', optional: true, autocomplete: 'name' },
  { name: 'email', type: 'email', autocomplete: 'email', inputMode: 'email' },
  { name: 'phoneNumber', optional: true, type: 'tel', autocomplete: 'tel', inputMode: 'tel' },
];

export function TicketForm({ state, t, requireEmail, onSend, onReload }: TicketFormProps) {
  const { values, errors, status, locked } = state;
  const current = status.value;

  if (current.kind === 'sent') {
    return (
      <div class="done">
        <h2 class="focus" tabIndex={-1}>
          {t('sentHeading')}
        </h2>
        <p>{t('sentBody', { id: current.ticketId })}</p>
        <button type="button" class="secondary" onClick={state.reset}>
          {t('sendAnother')}
        </button>
      </div>
    );
  }

  const sending = current.kind === 'sending';
  const load = state.form.value;
  const form = load.kind === 'ready' ? load.form : undefined;
  const text = ({ name, ...field }: TextField) => (
    <TextControl
      key={name}
      id={name}
      label={t(name)}
      t={t}
      {...field}
      optional={name === 'email' ? !requireEmail : field.optional}
      readOnly={locked.value.has(FIELD_PATHS[name])}
      value={values.value[name]}
      issue={errors.value[FIELD_PATHS[name]]}
      onInput={(value) => state.set(FIELD_PATHS[name], value)}
      onBlur={() => state.validateField(FIELD_PATHS[name])}
    />
  );
  const sentiments = SENTIMENTS.map((value) => ({ value, label: t(`sentiment.${value}`) }));

  return (
    <form
      class="form"
      noValidate
      aria-labelledby="sb-heading"
      aria-busy={sending ? 'true' : undefined}
      onSubmit={(event) => {
        event.preventDefault();
        const trap = event.currentTarget.elements.namedItem(TRAP) as HTMLInputElement;
        onSend(trap.value);
        // Emptied after each press: a person whose tool filled it anyway gets through with the next press.
        trap.value = '';
      }}
      onPaste={(event) => {
        // A pasted screenshot becomes an attachment; pasted text stays text.
        // Office apps put text and a picture of it on the clipboard together: that is text.
        const files = filesOf(event.clipboardData);
        if (!files.length || !form?.attachments || event.clipboardData?.types.includes('text/plain')) return;
        event.preventDefault();
        state.attachments.add(files.map((file) => nameScreenshot(file)));
      }}
    >
      <h2 id="sb-heading">{t('heading')}</h2>
      {current.kind === 'failed' && (
        <p class="alert" role="alert">
          {submitErrorText(t, current.code, current.retryAfterMs)}
        </p>
      )}
      {TEXT_FIELDS.slice(0, 2).map(text)}
      {locked.value.has('sentiment') ? (
        <TextControl id="sentiment" label={t('sentiment')} t={t} optional readOnly value={sentiments.find((s) => s.value === values.value.sentiment)?.label ?? ''} onInput={() => {}} onBlur={() => {}} />
      ) : (
        <ChoiceControl
          id="sentiment"
          label={t('sentiment')}
          optional
          t={t}
          value={values.value.sentiment}
          issue={errors.value.sentiment}
          choices={sentiments}
          onChange={(value) => state.set('sentiment', value)}
        />
      )}
      {form?.categories && <CategoryPicker categories={form.categories} state={state} t={t} />}
      {form?.fields.map((field) => !field.prefillOnly && <CustomField key={field.id} field={field} state={state} t={t} />)}
      {form?.attachments && <Attachments state={state} policy={form.attachments} t={t} />}
      {load.kind === 'failed' && (
        <p class="alert">
          {t('formFailed')}{' '}
          <button type="button" class="link" onClick={onReload}>
            {t('reload')}
          </button>
        </p>
      )}
      <div class="row">{TEXT_FIELDS.slice(2, 4).map(text)}</div>
      {text(TEXT_FIELDS[4] as TextField)}
      {/* Off-screen rather than display:none, which bots skip; out of the tab order and hidden from assistive tech. */}
      <div class="trap" aria-hidden="true">
        <label>
          {t('trap')}
          <input name={TRAP} tabIndex={-1} autoComplete="off" data-1p-ignore="" data-lpignore="true" data-bwignore="" data-form-type="other" />
        </label>
      </div>
      {form?.challenge && form.challenge.provider !== 'altcha' && <ChallengeBox challenge={form.challenge} slot={state.challengeSlot} />}
      <div class="actions">
        <button type="submit" class="primary" aria-disabled={sending ? 'true' : undefined}>
          {sending && <span class="spinner" aria-hidden="true" />}
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
