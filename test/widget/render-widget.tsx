/** Renders the real widget around a real form model and submission, with fakes only for what lies outside it: the relay's answers. */
import { fireEvent, render, screen } from '@testing-library/preact';
import { vi } from 'vitest';
import type { FormDefinition } from '../../src/shared/form-definition';
import { fail, ok } from '../../src/shared/result';
import type { TicketRequestInput } from '../../src/shared/ticket-request';
import type { LoadForm } from '../../src/submitter/load-form';
import type { Prefill } from '../../src/submitter/prefill';
import type { SolveAltcha } from '../../src/submitter/solve-altcha';
import type { SubmitResult } from '../../src/submitter/submit-ticket';
import type { Upload } from '../../src/submitter/upload-attachment';
import { createTranslator } from '../../src/widget/i18n';
import { Widget } from '../../src/widget/widget';
import { assembleForm } from '../../src/widget/wiring';
import { BUILT_IN_FORM } from './forms';

export const SENT: SubmitResult = ok({ ticketId: 4711 });

export interface RenderOptions {
  /** The form definition the fake relay serves. */
  form?: FormDefinition;
  /** Stands in for the form loader; default: serves `form` at once. */
  loadForm?: LoadForm;
  /** Stands in for the submitter; default: a ticket is created. */
  submit?: (request: TicketRequestInput, key: string) => Promise<SubmitResult>;
  /** Stands in for the uploader; default: every upload fails as if offline. */
  upload?: Upload;
  locale?: string;
  messages?: Partial<Record<string, string>>;
  prefill?: Prefill;
  lockFields?: boolean | string[];
  /** The submission's clock (the fill time). */
  now?: () => number;
  solveAltcha?: SolveAltcha;
  /** Where drafts and the outbox are kept (localStorage); none: nothing is. */
  device?: { relay: string; page: string };
  draft?: boolean;
  draftDays?: number;
}

/** Renders the widget as mount() wires it (prefill, then load), recording what is sent, loaded and reported. */
export function renderWidget({
  form = BUILT_IN_FORM,
  loadForm,
  submit = async () => SENT,
  upload = async () => fail({ code: 'network' }),
  locale = 'en',
  messages = {},
  prefill,
  lockFields,
  now,
  solveAltcha,
  device,
  draft,
  draftDays,
}: RenderOptions = {}) {
  const sent: TicketRequestInput[] = [];
  const keys: string[] = [];
  const report = vi.fn<(problem: string) => void>();
  /** What the widget told the page, as `[event name, detail]`. */
  const emitted: [string, object][] = [];
  const loads = vi.fn<LoadForm>(loadForm ?? (async () => ok(form)));
  const widget = assembleForm(
    { prefill, lockFields, draft, draftDays },
    {
      submit: (request, key) => {
        sent.push(request);
        keys.push(key);
        return submit(request, key);
      },
      loadForm: loads,
      upload,
      ...(now ? { now } : {}),
      ...(solveAltcha ? { solveAltcha } : {}),
      ...(device ? { device } : {}),
    },
    { report, emit: (name, detail) => emitted.push([name, detail]) },
  );
  render(<Widget form={widget} t={createTranslator(locale, messages)} />);
  void widget.load();
  return { widget, sent, keys, report, loads, emitted };
}

/** A promise the test settles by hand, to hold a request in flight. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** The control a label names (a string matches the label's whole text, as a visitor reads it). */
export const control = <T extends HTMLElement = HTMLInputElement>(label: string | RegExp) => screen.getByLabelText<T>(label);
export const sendButton = () => screen.getByRole('button', { name: /^(Send|Sending…|Still trying to send…)$/ });
export const discardButton = () => screen.queryByRole('button', { name: 'Discard draft' });
export const type = (input: HTMLElement, value: string) => fireEvent.input(input, { target: { value } });
export const leave = (input: HTMLElement) => fireEvent.blur(input);
export const choose = (select: HTMLElement, value: string) => fireEvent.change(select, { target: { value } });

/** The message a screen reader reads with a control: the text of what aria-describedby points to. */
export function description(element: HTMLElement): string | null {
  const id = element.getAttribute('aria-describedby');
  return id ? (element.ownerDocument.getElementById(id)?.textContent ?? null) : null;
}

/** Fills the built-in fields a ticket needs. */
export function fillBuiltIns() {
  type(control('Subject'), 'New car price list.');
  type(control('Message'), 'Hello I want to buy a new car, how can I get a price list?');
  type(control('Email'), 'bill_smith@gmail.com');
}
