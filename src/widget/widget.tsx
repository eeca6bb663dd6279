/** The widget's root: the form plus a live region that outlives it, re-rendered as its state changes. */
import { Component, createRef } from 'preact';
import type { FormState } from './form-state';
import type { Translate } from './i18n';
import { TicketForm, statusText } from './ticket-form';

export interface WidgetProps {
  state: FormState;
  t: Translate;
  requireEmail: boolean;
  onSend: (trap: string) => void;
  onReload: () => void;
}

/**
 * Re-renders as a whole after any change of its state: a form this size diffs in well under a
 * millisecond, so no finer-grained binding is worth its bytes. A class (rather than hooks) keeps
 * preact/hooks out of the bundle too.
 */
export class Widget extends Component<WidgetProps> {
  private unsubscribe?: () => void;
  private focusRequest = 0;
  private sent = false;
  private root = createRef<HTMLDivElement>();

  override componentDidMount() {
    this.unsubscribe = this.props.state.subscribe(() => this.forceUpdate());
  }

  override componentWillUnmount() {
    this.unsubscribe?.();
  }

  /** Moves focus where the visitor needs it: the first invalid field after a failed send, the thank-you heading after success. */
  override componentDidUpdate() {
    const { focusRequest, status } = this.props.state;
    const root = this.root.current;
    if (focusRequest.value !== this.focusRequest) {
      this.focusRequest = focusRequest.value;
      // In a group, its first control; never the attachments' hidden file input, which cannot take focus.
      root?.querySelector<HTMLElement>('[aria-invalid="true"]:not(fieldset),fieldset[aria-invalid="true"] input:not([hidden]),fieldset[aria-invalid="true"] button')?.focus();
    }
    const sent = status.value.kind === 'sent';
    // Into the thank-you heading after sending; back to the first field for another message.
    if (sent !== this.sent) root?.querySelector<HTMLElement>(sent ? '.focus' : 'input,textarea')?.focus();
    this.sent = sent;
  }

  override render(props: WidgetProps) {
    return (
      <div class="root" ref={this.root}>
        <TicketForm {...props} />
        <p class="hidden" role="status" aria-live="polite">
          {statusText(props.state, props.t)}
        </p>
      </div>
    );
  }
}
