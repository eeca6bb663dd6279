/**
 * Wires one widget from its parsed config: the relay calls, the form model, the submission and the
 * callbacks and events that tell the page what happened. The one place the parts meet; the
 * components receive the result and `mount()` only mounts it.
 */
import { createFormModel } from '../submitter/form-model';
import { createFormLoader, type LoadForm } from '../submitter/load-form';
import { createRelayCall } from '../submitter/relay-call';
import { createAltchaSolver, type SolveAltcha } from '../submitter/solve-altcha';
import { createSubmission } from '../submitter/submission';
import { createSubmitter, type Submit } from '../submitter/submit-ticket';
import { createUploader, type Upload } from '../submitter/upload-attachment';
import type { WidgetConfig } from './options';

export type WidgetForm = ReturnType<typeof assembleForm>;

export interface Wiring {
  /** Tells the integrator about a problem, on the console. */
  report: (problem: string) => void;
  /** Dispatches `socialboards-ticket:<name>` from the widget's host element. */
  emit: (name: 'submitted' | 'error', detail: object) => void;
}

/** What talks to the relay (tests hand in their own). */
export interface RelayParts {
  submit: Submit;
  loadForm: LoadForm;
  upload: Upload;
  solveAltcha?: SolveAltcha;
  /** The clock for the fill time. */
  now?: () => number;
}

/** The widget's form over the relay the config names. */
export function wireForm(config: WidgetConfig, wiring: Wiring): WidgetForm {
  const { relay } = config;
  const timeout = config.timeoutMs ? { timeoutMs: config.timeoutMs } : {};
  // One retry only: a visitor pressing Send waits for a load (of the form, or a challenge) in flight, so it must fail fast.
  const quickCall = createRelayCall({ relay, ...timeout, retries: 1 });
  const form: WidgetForm = assembleForm(
    config,
    {
      submit: createSubmitter(createRelayCall({ relay, ...timeout, onRetry: (retry) => form.submission.retrying(retry) }), {
        identity: config.identity,
        report: wiring.report,
      }),
      loadForm: createFormLoader(quickCall),
      upload: createUploader(relay, createRelayCall({ relay, ...timeout }), () => Boolean(form.model.definition.peek().attachments?.direct)),
      solveAltcha: createAltchaSolver(quickCall),
    },
    wiring,
  );
  return form;
}

/** The form's model and submission over `parts`: prefilled, loading its definition, and telling the page how sending went. */
export function assembleForm(
  config: Pick<WidgetConfig, 'prefill' | 'lockFields' | 'onSubmitted' | 'onError'>,
  { submit, loadForm, upload, solveAltcha, now }: RelayParts,
  { report, emit }: Wiring,
) {
  const alive = new AbortController();
  const model = createFormModel({ upload, lockFields: config.lockFields, report });
  let loading: Promise<unknown> | undefined;
  /** Loads the form definition again (after a failure). */
  const reload = () => {
    loading = model.loadDefinition(loadForm, alive.signal);
  };
  /** Loads the form definition unless it is loaded or on its way; resolves when it has arrived (or failed). */
  const load = () => (loading ??= model.loadDefinition(loadForm, alive.signal));
  const submission = createSubmission({
    model,
    submit,
    // A Send before the first load started starts it: the ticket is checked against the relay's form.
    loaded: load,
    report,
    ...(solveAltcha ? { solveAltcha } : {}),
    ...(now ? { now } : {}),
  });
  if (config.prefill) model.prefill(config.prefill);

  /** Sends the form, then tells the page how it went. `trap` is the honeypot's value. */
  async function send(trap: string) {
    const ticketId = await submission.send(alive.signal, trap);
    if (alive.signal.aborted) return;
    const status = submission.status.peek();
    if (ticketId !== undefined) {
      emit('submitted', { ticketId });
      config.onSubmitted?.({ ticketId });
    } else if (status.kind === 'failed') {
      if (status.code !== 'validation') report(`submission failed: ${status.code}`);
      emit('error', { code: status.code });
      config.onError?.({ code: status.code });
    }
  }

  return {
    model,
    submission,
    send,
    /** Loads the form definition, once; the built-in fields are on screen meanwhile. */
    load,
    reload,
    warmUp: () => submission.warmUp(alive.signal),
    prefill: model.prefill,
    /** Aborts everything in flight and stops the model (on unmount). */
    dispose() {
      alive.abort();
      model.dispose();
    },
  };
}
