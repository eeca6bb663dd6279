/**
 * The form model: the form definition, what the visitor typed (one value per request path), and
 * everything that follows from them as signals — each field's message, whether it is locked, the
 * fields shown. State that follows from other state is `computed`. What is written: the definition
 * and its load state, the prefill, each value and whether its field was checked (on leaving it, or
 * on Send), whether Send was pressed, and the relay's refusals.
 */
import { batch, computed, effect, signal, type ReadonlySignal, type Signal } from '@preact/signals-core';
import { BUILT_IN_FIELDS } from '../shared/built-in-fields';
import type { FieldIssue } from '../shared/field-issues';
import { fieldSchema, parseValue, type FieldValue, type FieldValues } from '../shared/field-values';
import { fieldName, type FormDefinition, type FormField } from '../shared/form-definition';
import { fail, ok, type Result } from '../shared/result';
import { createAttachmentList } from './attachment-list';
import type { LoadForm } from './load-form';
import { fitPrefill, initialValue, prefillFor, prefillValues, type Prefill } from './prefill';
import type { Upload } from './upload-attachment';

/** Where a problem with the attachments is shown (the relay reports `attachments.<index>`). */
export const ATTACHMENTS_PATH = 'attachments';

/** One field on screen: its spec, its value, and what follows from them. */
export interface FieldModel {
  /** The value as it would travel on (cleaned and trimmed), or its own problem, shown or not. */
  parsed: ReadonlySignal<Result<FieldValue, FieldIssue>>;
  /** Checks a value by this field's rules, as `parsed` does (a prefill, before it is in the field). */
  check(value: FieldValue): Result<FieldValue, FieldIssue>;
  field: FormField;
  /** The name the integrator and the catalogue use (`email`, `42623`, `categoryId`). */
  name: string;
  value: ReadonlySignal<FieldValue>;
  /** The message to show under it now: its own problem once the visitor left it or pressed Send, or the relay's refusal of this very value. */
  issue: ReadonlySignal<FieldIssue | undefined>;
  /** Shown read-only: the integrator prefilled it, asked for it to be locked, and the value is valid. */
  locked: ReadonlySignal<boolean>;
  /** Sets what the visitor typed or chose (ignored while locked). */
  set(value: FieldValue): void;
  /** The visitor left the field: its problem shows, and follows every keystroke while it shows. */
  leave(): void;
}

export type FormLoad = 'loading' | 'ready' | 'failed';

export interface FormModelOptions {
  upload: Upload;
  /** Lock prefilled fields: all of them (`true`) or those named (`email`, a field id). */
  lockFields?: boolean | readonly string[] | undefined;
  /** Reports an integration problem (a prefill the form cannot take) to the console. */
  report: (problem: string) => void;
}

/**
 * A value and whether its field was checked (left, or sent), kept per path across form definitions.
 * A checked field shows its problem; typing in one that shows none makes it unchecked again, so a
 * message never appears while the visitor is still typing, only when they leave or send.
 */
interface Slot {
  value: Signal<FieldValue>;
  checked: Signal<boolean>;
}

export type FormModel = ReturnType<typeof createFormModel>;

/** Creates one form's model. Until the relay's definition arrives, the built-in fields are shown as they are by default. */
export function createFormModel({ upload, lockFields, report }: FormModelOptions) {
  const definition = signal<FormDefinition>({ fields: [...BUILT_IN_FIELDS] });
  const load = signal<FormLoad>('loading');
  /** The integrator's values by path. */
  const prefilled = signal<FieldValues>({});
  /** Send was pressed since the form was last fresh: a failed upload shows. */
  const attempted = signal(false);
  /** What the relay refused, by path, with the value it refused (for the attachments, the list of files). */
  const refused = signal<Record<string, { issue: FieldIssue; value: unknown }>>({});
  const attachments = createAttachmentList(upload, () => definition.value.attachments);

  const slots = new Map<string, Slot>();
  const slot = (field: FormField): Slot => {
    let found = slots.get(field.path);
    if (!found) {
      const value = initialValue(field, prefilled.peek());
      found = { value: signal(value), checked: signal(field.path in prefilled.peek()) };
      slots.set(field.path, found);
    }
    return found;
  };
  /** Puts a field back to what it holds before the visitor types; a prefilled one counts as checked. */
  const refill = (field: FormField) => {
    const { value, checked } = slot(field);
    value.value = initialValue(field, prefilled.peek());
    checked.value = field.path in prefilled.peek();
  };

  const locks = (name: string) => lockFields === true || (Array.isArray(lockFields) && lockFields.map(String).includes(name));

  /** One model per field spec: a new definition brings new specs, while values stay with their paths. */
  const models = new WeakMap<FormField, FieldModel>();
  function modelOf(field: FormField): FieldModel {
    const existing = models.get(field);
    if (existing) return existing;
    const { value, checked } = slot(field);
    const name = fieldName(field.path);
    /** The spec's schema, built when first needed (the visitor leaves the field, or sends), not while the form first renders. */
    let schema: ReturnType<typeof fieldSchema> | undefined;
    const check = (input: FieldValue) => parseValue((schema ??= fieldSchema(field)), input, field.path);
    const parsed = computed(() => check(value.value));
    const locked = computed(() => {
      const given = prefillFor(field, prefilled.value);
      // A locked field whose prefilled value is wrong could never be fixed: it stays editable.
      return locks(name) && given !== undefined && check(given).ok;
    });
    const issue = computed(() => {
      const refusal = refused.value[field.path];
      if (refusal && refusal.value === value.value) return refusal.issue;
      // Not even parsed before it may show: typing in an unchecked field checks nothing.
      if (!checked.value) return undefined;
      const own = parsed.value;
      return own.ok ? undefined : own.error;
    });
    const model: FieldModel = {
      parsed,
      check,
      field,
      name,
      value,
      issue,
      locked,
      set: (next) => {
        if (locked.peek()) return;
        batch(() => {
          // A message on screen follows the typing (it goes as soon as the value is fixed); no new one appears while typing.
          if (!issue.peek()) checked.value = false;
          value.value = next;
        });
      },
      leave: () => {
        checked.value = true;
      },
    };
    models.set(field, model);
    return model;
  }

  /** Every field of the form, prefill-only ones included. */
  const fields = computed(() => definition.value.fields.map(modelOf));
  /** The fields the visitor sees, in display order. */
  const shown = computed(() => fields.value.filter(({ field }) => !field.prefillOnly));
  /** How the prefill fits the loaded form; nothing is judged before it loaded. */
  const fit = computed(() =>
    load.value === 'ready' ? fitPrefill(definition.value.fields, prefilled.value, (field, value) => {
          const result = modelOf(field).check(value);
          return result.ok ? undefined : result.error;
        }) : undefined,
  );
  /**
   * What the visitor typed, for a draft: every value that differs from what the form starts with
   * (its default or the page's prefill), a sensitive field's never.
   */
  const typed = computed(() => {
    const values: FieldValues = {};
    for (const { field, value } of fields.value) {
      if (!field.sensitive && String(value.value) !== String(initialValue(field, prefilled.value))) values[field.path] = value.value;
    }
    return values;
  });
  const attachmentsIssue = computed<FieldIssue | undefined>(() => {
    // Shown until the files change (one uploaded again, removed or added).
    const refusal = refused.value[ATTACHMENTS_PATH];
    if (refusal && refusal.value === attachments.files.value) return refusal.issue;
    return attempted.value && attachments.files.value.some((one) => one.status === 'failed') ? { path: ATTACHMENTS_PATH, code: 'invalid' } : undefined;
  });

  // Each problem with the prefill is said once, when it is found.
  const said = new Set<string>();
  const stopReporting = effect(() => {
    for (const problem of fit.value?.problems ?? []) {
      if (!said.has(problem)) report(problem);
      said.add(problem);
    }
  });

  /** Sets values from the page; may be called before or after the form definition arrives, and adds to earlier calls. */
  function prefill(raw: Prefill) {
    const given = prefillValues(raw, report);
    batch(() => {
      prefilled.value = { ...prefilled.value, ...given };
      // Given values win over typed ones, and are checked like typed ones.
      for (const field of definition.value.fields) if (field.path in given) refill(field);
    });
  }

  /**
   * Puts back values typed on an earlier visit (a draft, or a message the relay refused later) into
   * the fields on screen the visitor has not touched. The page's prefill wins; a value of the wrong
   * shape (storage is the visitor's to edit) is skipped. Returns the values for fields this form
   * does not have (yet).
   */
  function restore(values: FieldValues): FieldValues {
    const rest = { ...values };
    batch(() => {
      for (const { field } of fields.peek()) {
        const value = rest[field.path];
        delete rest[field.path];
        const { value: current } = slot(field);
        const initial = initialValue(field, prefilled.peek());
        if (!(field.path in prefilled.peek()) && String(current.peek()) === String(initial) && (typeof value === 'string' || Array.isArray(value))) {
          current.value = value;
        }
      }
    });
    return rest;
  }

  /** Loads (or reloads) the form definition. */
  async function loadDefinition(loadForm: LoadForm, signal?: AbortSignal): Promise<void> {
    load.value = 'loading';
    const result = await loadForm(signal);
    if (signal?.aborted) return;
    batch(() => {
      if (result.ok) definition.value = result.value;
      load.value = result.ok ? 'ready' : 'failed';
    });
  }

  /**
   * What Send checks: every value as it travels on (cleaned and trimmed), or every problem, each
   * checked by its own field's schema (the relay checks the whole with those same schemas). Every
   * field counts as checked from now on, so every problem shows.
   */
  function checkForSend(): Result<FieldValues, FieldIssue[]> {
    const dropped = fit.peek()?.dropped;
    const values: FieldValues = {};
    const issues: FieldIssue[] = [];
    batch(() => {
      attempted.value = true;
      for (const { field, parsed } of fields.peek()) {
        slot(field).checked.value = true;
        if (dropped?.has(field.path)) continue;
        const result = parsed.peek();
        if (result.ok) values[field.path] = result.value;
        else issues.push(result.error);
      }
    });
    return issues.length ? fail(issues) : ok(values);
  }

  /**
   * Shows the relay's refusals under their fields, for as long as the value is the one refused.
   * Returns those nobody can see (a prefill-only field, a path this form does not have).
   */
  function refuse(issues: readonly FieldIssue[]): FieldIssue[] {
    const next: Record<string, { issue: FieldIssue; value: unknown }> = {};
    const hidden: FieldIssue[] = [];
    for (const issue of issues) {
      // `attachments.2` is shown with the attachments as a whole.
      const path = issue.path.startsWith(ATTACHMENTS_PATH) ? ATTACHMENTS_PATH : issue.path;
      const model = shown.peek().find(({ field }) => field.path === path);
      if (!model && !(path === ATTACHMENTS_PATH && definition.peek().attachments)) hidden.push(issue);
      else next[path] ??= { issue: { ...issue, path }, value: model ? model.value.peek() : attachments.files.peek() };
    }
    refused.value = next;
    return hidden;
  }

  /** Back to a fresh form after a ticket was sent: empty, but with defaults and prefilled values again. */
  function reset() {
    batch(() => {
      definition.peek().fields.forEach(refill);
      attempted.value = false;
      refused.value = {};
      attachments.clear();
    });
  }

  /** Stops the model's own effects and uploads (on unmount). */
  function dispose() {
    stopReporting();
    attachments.clear();
  }

  return { definition, load, fields, shown, attachments, attachmentsIssue, typed, prefill, restore, loadDefinition, checkForSend, refuse, reset, dispose };
}
