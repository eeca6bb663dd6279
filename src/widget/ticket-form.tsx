/** The ticket form: its fields in the definition's order, the attachments, the sending state, errors and the confirmation. */
// The words first: the bundle lays modules out in import order, and gzip does better with the
// catalogue ahead of the components (36 B; see mount.tsx).
import { submitErrorText, type Translate } from './i18n';
import { Attachments, filesOf } from './attachments';
import { nameScreenshot } from '../submitter/attachment-list';
import { ChallengeBox } from './challenge-box';
import { FieldView, controlId, fieldLabel, issueText } from './field-controls';
import { useMemo } from 'preact/hooks';
import type { Status } from '../submitter/submission';
import type { WidgetForm } from './wiring';

/**
 * The fields to correct after a refused Send: each problem, naming its field, as a link that takes
 * the visitor there. Taken once per refusal (with `peek`, so the form does not re-render as fields
 * change): an alert that changed with every keystroke would be read out again and again.
 */
function ErrorSummary({ form, status, t }: TicketFormProps) {
  const problems = useMemo(
    () => form.model.shown.peek().flatMap((field) => {
      const issue = field.issue.peek();
      return issue ? [{ id: controlId(field), text: `${fieldLabel(field, t)}: ${issueText(issue, t)}` }] : [];
    }),
    [status],
  );
  return (
    <ul>
      {problems.map(({ id, text }) => (
        <li key={id}>
          <a
            href={`#${id}`}
            onClick={(event) => {
              event.preventDefault();
              // Inside the shadow root a fragment link finds nothing: focus the field's (first) control by its name.
              (event.currentTarget.getRootNode() as ParentNode).querySelector<HTMLElement>(`[name="${id}"]`)?.focus();
            }}
          >
            {text}
          </a>
        </li>
      ))}
    </ul>
  );
}

export interface TicketFormProps {
  form: WidgetForm;
  status: Status;
  t: Translate;
}

/**
 * The honeypot's name: meaningless, so no browser autofill or password manager matches it to a
 * field it knows (they go by name, id, autocomplete and label; docs/spam.md).
 */
const TRAP = 'sb-x7';

/**
 * Reads the definition and the load state, never a field's value: typing re-renders the field
 * alone, not this form.
 */
export function TicketForm({ form, status, t }: TicketFormProps) {
  const { model, submission } = form;
  if (isDone(status)) {
    return (
      <div class="done">
        <h2 class="focus" tabIndex={-1}>
          {t(status.kind === 'queued' ? 'savedHeading' : 'sentHeading')}
        </h2>
        <p>{statusText(status, t)}</p>
        <button type="button" class="secondary" onClick={submission.reset}>
          {t('sendAnother')}
        </button>
      </div>
    );
  }

  const sending = status.kind === 'sending';
  const { attachments, challenge } = model.definition.value;

  return (
    <form
      class="form"
      noValidate
      aria-labelledby="sb-heading"
      aria-busy={sending ? 'true' : undefined}
      onInput={form.warmUp}
      onSubmit={(event) => {
        event.preventDefault();
        const trap = event.currentTarget.elements.namedItem(TRAP) as HTMLInputElement;
        void form.send(trap.value);
        // Emptied after each press: a person whose tool filled it anyway gets through with the next press.
        trap.value = '';
      }}
      onPaste={(event) => {
        // A pasted screenshot becomes an attachment; pasted text stays text.
        // Office apps put text and a picture of it on the clipboard together: that is text.
        const files = filesOf(event.clipboardData);
        if (!files.length || !attachments || event.clipboardData?.types.includes('text/plain')) return;
        event.preventDefault();
        model.attachments.add(files.map((file) => nameScreenshot(file)));
      }}
    >
      <h2 id="sb-heading">{t('heading')}</h2>
      {form.delivered.value && (
        <p class="muted" role="status">
          {t('delivered')}
        </p>
      )}
      {/* What was typed on an earlier visit is back: a way to start afresh. */}
      {form.draft?.restored.value && (
        <p>
          <button type="button" class="link" onClick={form.discard}>
            {t('discardDraft')}
          </button>
        </p>
      )}
      {status.kind === 'failed' && (
        <div class="alert" role="alert" tabIndex={-1}>
          {submitErrorText(t, status.code, status.retryAfterMs)}
          {status.correct && <ErrorSummary form={form} status={status} t={t} />}
        </div>
      )}
      <div class="fields">
        {model.shown.value.map((field) => (
          <FieldView key={field.field.path} model={field} t={t} busy={sending} />
        ))}
      </div>
      {attachments && <Attachments list={model.attachments} issue={model.attachmentsIssue.value} policy={attachments} t={t} />}
      {model.load.value === 'failed' && (
        <p class="alert">
          {t('formFailed')}{' '}
          <button type="button" class="link" onClick={form.reload}>
            {t('reload')}
          </button>
        </p>
      )}
      {/* Off-screen rather than display:none, which bots skip; out of the tab order and hidden from assistive tech. */}
      <div class="trap" aria-hidden="true">
        <label>
          {t('trap')}
          <input name={TRAP} tabIndex={-1} autoComplete="off" data-1p-ignore="" data-lpignore="true" data-bwignore="" data-form-type="other" />
        </label>
      </div>
      {challenge && challenge.provider !== 'altcha' && <ChallengeBox challenge={challenge} slot={submission.challengeSlot} />}
      <div class="actions">
        <button type="submit" class="primary" aria-disabled={sending ? 'true' : undefined}>
          {sending && <span class="spinner" aria-hidden="true" />}
          {/* "Sending…" or "Still trying to send…", as the live region says, else "Send". */}
          {statusText(status, t) || t('submit')}
        </button>
      </div>
    </form>
  );
}

/**
 * Text for the polite live region, which exists before it changes so screen readers hear it.
 * Failures are not repeated here: the form's alert announces them.
 */
export function statusText(status: Status, t: Translate): string {
  if (status.kind === 'sending') return t(status.retry ? 'retrying' : 'sending');
  if (status.kind === 'queued') return t('savedBody');
  if (status.kind !== 'sent') return '';
  const { ticket } = status;
  return 'queued' in ticket ? t('queuedBody', { reference: ticket.reference }) : t('sentBody', { id: ticket.ticketId });
}

/** The relay has the message, or the outbox does: the form gives way to a confirmation. */
export const isDone = (status: Status) => status.kind === 'sent' || status.kind === 'queued';
