/**
 * Drafts: what the visitor typed, kept on their device per relay and page, so a reload or a crash
 * loses nothing. Written shortly after each change, put back once the form definition is known (so
 * custom fields come back too), dropped when it expires, is discarded or the message is sent.
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

/** Keeps the draft of one form. Nothing is written before `restore()` has run. */
export function keepDraft({ model, relay, page, maxAgeMs }: DraftOptions) {
  const prefix = `${STORE_PREFIX}draft:${relay} `;
  const key = prefix + page;
  /** A draft was put back and is still kept: the form offers to discard it. */
  const restored = signal(false);
  let ready = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function clear() {
    clearTimeout(timer);
    removeStored(key);
    restored.value = false;
  }

  const stop = effect(() => {
    const draft: Omit<Draft, 'at'> = { values: model.typed.value, files: model.attachments.uploaded() };
    if (!ready) return;
    clearTimeout(timer);
    // Back to an untouched form (everything deleted, or reset): nothing to keep.
    timer = setTimeout(() => (Object.keys(draft.values).length || draft.files.length ? writeStored(key, { at: Date.now(), ...draft }) : clear()), DRAFT_DELAY_MS);
  });

  return {
    restored,
    /** Puts this page's draft back, once; drafts of this relay past their age are removed. */
    restore() {
      for (const name of ready ? [] : storedKeys(prefix)) {
        const draft = readStored(name) as Draft | null;
        if (!(Date.now() - Number(draft?.at) < maxAgeMs)) removeStored(name);
        else if (name === key) {
          model.restore(draft!.values);
          model.attachments.restore(draft!.files);
          restored.value = true;
        }
      }
      ready = true;
    },
    /** Forgets the draft (after sending, or when the visitor discards it). */
    clear,
    /** Stops keeping it (on unmount). */
    dispose: stop,
  };
}
