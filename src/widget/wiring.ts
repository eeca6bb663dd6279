/**
 * Wires one widget from its parsed config: the relay calls, the form model, the submission and the
 * callbacks and events that tell the page what happened. The one place the parts meet; the
 * components receive the result and `mount()` only mounts it.
 */
import { signal } from '@preact/signals-core';
import type { TicketAccepted } from '../shared/relay-contract';
import { keepDraft } from '../submitter/draft';
import { createFormModel } from '../submitter/form-model';
import { createFormLoader, type LoadForm } from '../submitter/load-form';
import { createRelayCall } from '../submitter/relay-call';
import { createAltchaSolver, type SolveAltcha } from '../submitter/solve-altcha';
import { createSubmission } from '../submitter/submission';
import { createSubmitter, TICKET_RETRY_MS, type Submit } from '../submitter/submit-ticket';
import { createUploader, type Upload } from '../submitter/upload-attachment';
import type { WidgetConfig } from './options';

export type WidgetForm = ReturnType<typeof assembleForm>;

export interface Wiring {
  /** Tells the integrator about a problem, on the console. */
  report: (problem: string) => void;
  /** Dispatches `socialboards-ticket:<name>` from the widget's host element. */
  emit: (name: 'submitted' | 'error', detail: object) => void;
}

/** What talks to the relay (tests hand in their own), and where drafts and the outbox are kept. */
export interface RelayParts {
  submit: Submit;
  loadForm: LoadForm;
  upload: Upload;
  solveAltcha?: SolveAltcha;
  /** The clock for the fill time, drafts and the outbox. */
  now?: () => number;
  /**
   * Where this widget is, naming what it keeps on the device: the relay as configured (storage is
   * per origin, so `/relay` names one relay on every page) and the page (origin and path). None:
   * nothing is kept.
   */
  device?: { relay: string; page: string };
}

/** The widget's form over the relay the config names; `page` is the page's origin and path. */
export function wireForm(config: WidgetConfig, wiring: Wiring, page: string): WidgetForm {
  const { relay, timeoutMs } = config;
  // One retry only: a visitor pressing Send waits for a load (of the form, or a challenge) in flight, so it must fail fast.
  const quickCall = createRelayCall({ relay, timeoutMs, retries: 1 });
  const form: WidgetForm = assembleForm(
    config,
    {
      // Also what delivers the outbox: its retries show as "still trying" only while the visitor is sending.
      submit: createSubmitter(
        createRelayCall({ relay, timeoutMs, retries: Infinity, retryForMs: TICKET_RETRY_MS, onRetry: (retry) => form.submission.retrying(retry) }),
        { identity: config.identity, report: wiring.report },
      ),
      loadForm: createFormLoader(quickCall, config.locale ?? 'en'),
      upload: createUploader(relay, createRelayCall({ relay, timeoutMs }), () => Boolean(form.model.definition.peek().attachments?.direct)),
      solveAltcha: createAltchaSolver(quickCall),
      device: { relay, page },
    },
    wiring,
  );
  return form;
}

/** The form's model and submission over `parts`: prefilled, loading its definition, keeping its draft and outbox, and telling the page how sending went. */
export function assembleForm(
  config: Pick<WidgetConfig, 'prefill' | 'lockFields' | 'onSubmitted' | 'onError' | 'draft' | 'draftDays'>,
  { submit, loadForm, upload, solveAltcha, now, device }: RelayParts,
  { report, emit }: Wiring,
) {
  const alive = new AbortController();
  const model = createFormModel({ upload, lockFields: config.lockFields, report });
  // Drafts and outbox entries live as long as each other: 7 days unless the integrator says otherwise.
  const maxAgeMs = (config.draftDays ?? 7) * 864e5;
  const draft = device && config.draft !== false ? keepDraft({ ...device, model, maxAgeMs }) : undefined;
  /** A message saved on this device on an earlier visit has been delivered: the form says so. */
  const delivered = signal(false);
  let loading: Promise<unknown> | undefined;
  /** Loads the form definition; once it is known, the draft comes back into its own fields too, and the outbox is sent. */
  const fetchForm = () =>
    (loading = model.loadDefinition(loadForm, alive.signal).then(() => {
      draft?.restore();
      void deliver();
    }));
  /** Loads the form definition unless it is loaded or on its way; resolves when it has arrived (or failed). */
  const load = () => loading ?? fetchForm();
  const submission = createSubmission({
    model,
    submit,
    // A Send before the first load started starts it: the ticket is checked against the relay's form.
    loaded: load,
    report,
    solveAltcha,
    now,
    outbox: device && { relay: device.relay, maxAgeMs },
    delivered: (ticket, live) => {
      if (ticket && !live) delivered.value = true;
      tell(ticket);
    },
  });
  if (config.prefill) model.prefill(config.prefill);
  // What was typed on an earlier visit is on screen at once, in the built-in fields, before the relay's form arrives.
  draft?.restore();

  /** Tells the page how a submission went. Sent, or waiting in the outbox (which holds it whole): the draft has done its work. */
  function tell(ticket: TicketAccepted | undefined) {
    const status = submission.status.peek();
    if (status.kind === 'sent' || status.kind === 'queued') draft?.clear();
    if (ticket) {
      emit('submitted', ticket);
      config.onSubmitted?.(ticket);
    } else if (status.kind === 'failed') {
      if (status.code !== 'validation') report(`submission failed: ${status.code}`);
      emit('error', { code: status.code });
      config.onError?.({ code: status.code });
    }
  }

  /** Sends the form, then tells the page how it went. `trap` is the honeypot's value. */
  async function send(trap: string) {
    const ticket = await submission.send(alive.signal, trap);
    if (!alive.signal.aborted) tell(ticket);
  }

  /** Sends what the outbox holds (on mount, and when the browser is back online). */
  const deliver = () => submission.deliver(alive.signal);

  return {
    model,
    submission,
    send,
    deliver,
    delivered,
    /** What the form offers about a restored draft; undefined when drafts are off. */
    draft,
    /** Forgets the draft and starts the form afresh. */
    discard() {
      draft?.clear();
      submission.reset();
    },
    /** Loads the form definition, once; the built-in fields are on screen meanwhile. */
    load,
    /** Loads the form definition again (after a failure). */
    reload: () => void fetchForm(),
    warmUp: () => submission.warmUp(alive.signal),
    prefill: model.prefill,
    /** Aborts everything in flight and stops the model (on unmount). */
    dispose() {
      alive.abort();
      draft?.dispose();
      model.dispose();
    },
  };
}
