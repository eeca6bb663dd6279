/** The widget's root: the form plus a live region that outlives it, and where focus goes as the sending status changes. */
// The Preact integration of signals: a component re-renders when a signal it read while rendering changes.
import '@preact/signals';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { Translate } from './i18n';
import { TicketForm, isDone, statusText } from './ticket-form';
import type { WidgetForm } from './wiring';

export interface WidgetProps {
  form: WidgetForm;
  t: Translate;
}

/** The first control to correct: in a group, its first control; never the attachments' hidden file input, which cannot take focus. */
const FIRST_INVALID = '[aria-invalid=true]:not(fieldset),fieldset[aria-invalid=true] :is(input:not([hidden]),button)';

export function Widget({ form, t }: WidgetProps) {
  const root = useRef<HTMLDivElement>(null);
  const status = form.submission.status.value;
  const previous = useRef(status);
  // Focus goes where the visitor needs it: the first field to correct after a refused send, the
  // relay's failure message otherwise (brought into view, where a long form would leave it far
  // above the field in focus), the thank-you heading after success, and back to the first field
  // for another message.
  useLayoutEffect(() => {
    const was = previous.current;
    previous.current = status;
    if (was === status) return;
    const find = (selector: string) => root.current?.querySelector<HTMLElement>(selector);
    if (status.kind === 'failed') find(status.correct ? FIRST_INVALID : '[role=alert]')?.focus();
    else if (isDone(status)) find('.focus')?.focus();
    else if (isDone(was)) find('input,textarea')?.focus();
  }, [status]);
  return (
    // Our language and its direction on our content, whatever the page's: English on an Arabic page
    // stays left to right, and an Arabic pack mirrors the layout.
    <div class="root" ref={root} lang={t.locale} dir={t('dir') as 'ltr' | 'rtl'}>
      <TicketForm form={form} status={status} t={t} />
      <p class="hidden" role="status" aria-live="polite">
        {statusText(status, t)}
      </p>
    </div>
  );
}
