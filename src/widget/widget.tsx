/** The widget's root: the form plus a live region that outlives it. */
import type { FormState } from './form-state';
import type { Translate } from './i18n';
import { TicketForm, statusText } from './ticket-form';

export interface WidgetProps {
  state: FormState;
  t: Translate;
  requireEmail: boolean;
  onSend: () => void;
}

export function Widget(props: WidgetProps) {
  return (
    <div class="sb-root">
      <TicketForm {...props} />
      <p class="sb-visually-hidden" role="status" aria-live="polite">
        {statusText(props.state, props.t)}
      </p>
    </div>
  );
}
