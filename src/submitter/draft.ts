/**
 * Drafts: what the visitor typed, kept on their device per relay and page, so a reload or a crash
 * loses nothing. Put back at once into the fields on screen, and into the relay's own fields when its
 * form arrives; written shortly after each change, also while that form cannot be loaded (the relay's
 * bad minute is when a reload is likeliest); dropped when it expires, is discarded or is sent.
 * Sensitive fields are never kept (the model leaves them out), attached files only as the relay's
 * references, never their bytes.
 */
import { effect, signal } from '@preact/signals-core';
import type { UploadedAttachment } from '../shared/attachments';
import type { FieldValues } from '../shared/field-values';
import { readStored, removeStored, STORE_PREFIX, storedKeys, writeStored } from './device-store';
import type { FormModel } from './form-model';

/** What a draft holds. */
export interface Draft {
  /** When it was last written (milliseconds). */
  at: number;
  values: FieldValues;
  files: UploadedAttachment[];
}

export interface DraftOptions {
  model: FormModel;
  /** The relay, as configured. */
  relay: string;
  /** The page: its origin and path. */
  page: string;
  /** A draft older than this is not put back, and is removed. */
  maxAgeMs: number;
}

/** How long typing must pause before the draft is written. */
export const DRAFT_DELAY_MS = 300;

export type DraftKeeper = ReturnType<typeof keepDraft>;

/** Keeps the draft of one form. Nothing is written before the first `restore()`. */
export function keepDraft({ model, relay, page, maxAgeMs }: DraftOptions) {
  const prefix = `${STORE_PREFIX}draft:${relay} `;
  const key = prefix + page;
  /** A draft was put back and is still kept: the form offers to discard it. */
  const restored = signal(false);
  /**
   * The stored draft's values for fields not on screen yet (custom fields, before the relay's form
   * arrives): written back as they were, so a visit that cannot load the form does not lose them.
   * Undefined until the draft was first put back.
   */
  let waiting: FieldValues | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Writes the draft as it is now: after the pause in typing, or at once when the widget goes away. */
  let flush = () => {};

  function forget() {
    clearTimeout(timer);
    flush = () => {};
    removeStored(key);
    restored.value = false;
  }

  const stop = effect(() => {
    const values = model.typed.value;
    const files = model.attachments.uploaded();
    if (!waiting) return;
    clearTimeout(timer);
    flush = () => {
      clearTimeout(timer);
      const draft = { at: Date.now(), values: { ...waiting, ...values }, files };
      // Back to an untouched form (everything deleted, or reset): nothing to keep.
      if (Object.keys(draft.values).length || files.length) writeStored(key, draft);
      else forget();
      flush = () => {};
    };
    timer = setTimeout(flush, DRAFT_DELAY_MS);
  });

  return {
    restored,
    /**
     * Puts this page's draft back into the fields on screen that the visitor has not touched; call
     * it again when the form's fields change. The first call also removes this relay's drafts past
     * their age and brings back the attached files.
     */
    restore() {
      let values = waiting;
      if (!values) {
        values = waiting = {};
        for (const name of storedKeys(prefix)) {
          const draft = readStored(name) as Draft | null;
          if (!(Date.now() - Number(draft?.at) < maxAgeMs)) removeStored(name);
          else if (name === key) {
            values = Object(draft!.values) as FieldValues;
            model.attachments.restore(draft!.files);
            restored.value = true;
          }
        }
      }
      waiting = model.restore(values);
    },
    /** Forgets the draft (after sending, or when the visitor discards it), with the older draft's values for fields not on screen. */
    clear() {
      forget();
      waiting = {};
    },
    /** Stops keeping it (on unmount), writing a change still waiting for its pause. */
    dispose() {
      stop();
      flush();
    },
  };
}
