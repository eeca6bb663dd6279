/**
 * The files a visitor attached: checked against the relay's policy before any byte is sent,
 * uploaded at once (so sending the ticket is instant), with progress, removal and retry.
 */
import { signal } from '@preact/signals-core';
import { checkFile, type AttachmentPolicy, type FileProblem, type UploadedAttachment } from '../shared/attachments';
import type { Upload } from './upload-attachment';

export interface Attached {
  key: number;
  /**
   * The file; for one put back from an earlier visit (a draft), only what the relay said of it:
   * its bytes are never kept on the device, so it cannot be uploaded again, only added again.
   */
  file: File | UploadedAttachment;
  /** Share uploaded, 0–1. */
  progress: number;
  status: 'uploading' | 'done' | 'failed';
  /** Why the upload failed (a relay or network code). */
  code?: string;
  /** The relay's reference, once uploaded. */
  id?: string;
}

/** A file refused before upload, and why. */
export interface Refused {
  name: string;
  problem: FileProblem;
}

/**
 * A pasted screenshot arrives as "image.png"; give it a name an agent can tell apart.
 * Browsers name every pasted image the same way (Chromium: "image.png").
 */
export function nameScreenshot(file: File, now = new Date()): File {
  if (file.name && file.name !== 'image.png') return file;
  const stamp = now.toISOString().slice(0, 19).replace(/[T:]/g, '-');
  return new File([file], `screenshot-${stamp}.${file.type.split('/')[1] ?? 'png'}`, { type: file.type });
}

export type AttachmentList = ReturnType<typeof createAttachmentList>;

/** The visitor's files for one form, uploaded under `policy()` (the relay's, from the form definition). */
export function createAttachmentList(upload: Upload, policy: () => AttachmentPolicy | null | undefined) {
  const files = signal<readonly Attached[]>([]);
  const refused = signal<readonly Refused[]>([]);
  const controllers = new Map<number, AbortController>();
  const running = new Map<number, Promise<unknown>>();
  let nextKey = 0;

  const update = (key: number, change: Partial<Attached>) => {
    files.value = files.value.map((one) => (one.key === key ? { ...one, ...change } : one));
  };

  function start(key: number, file: File) {
    const controller = new AbortController();
    controllers.set(key, controller);
    update(key, { status: 'uploading', progress: 0 });
    const job = upload(file, (progress) => update(key, { progress }), controller.signal).then((result) => {
      running.delete(key);
      if (controller.signal.aborted) return;
      if (result.ok) update(key, { status: 'done', progress: 1, id: result.value.id });
      else update(key, { status: 'failed', code: result.error.code });
    });
    running.set(key, job);
  }

  /** Attaches files the visitor chose, dropped or pasted; refused ones are listed with the reason. */
  function add(chosen: readonly File[]) {
    const rules = policy();
    if (!rules) return;
    const problems: Refused[] = [];
    for (const file of chosen) {
      const problem = checkFile(file, files.value.map((one) => one.file), rules);
      if (problem) {
        problems.push({ name: file.name, problem });
        continue;
      }
      const key = nextKey++;
      files.value = [...files.value, { key, file, progress: 0, status: 'uploading' }];
      start(key, file);
    }
    refused.value = problems;
  }

  /** Takes a file away, stopping its upload. */
  function remove(key: number) {
    controllers.get(key)?.abort();
    controllers.delete(key);
    running.delete(key);
    files.value = files.value.filter((one) => one.key !== key);
    refused.value = [];
  }

  function retry(key: number) {
    const one = files.value.find((file) => file.key === key);
    if (one?.file instanceof Blob) start(key, one.file);
  }

  /** Puts back files uploaded on an earlier visit, as uploaded: their references, names and sizes. */
  function restore(stored: readonly UploadedAttachment[]) {
    files.value = [...files.value, ...Array.from(Object(stored) as UploadedAttachment[], (file): Attached => ({ key: nextKey++, file, progress: 1, status: 'done', id: file.id }))];
  }

  /** The uploaded files as the relay described them: what a draft keeps. */
  const uploaded = (): UploadedAttachment[] =>
    files.value.flatMap(({ id, status, file: { name, size, type } }) => (status === 'done' ? [{ id: id as string, name, size, type }] : []));

  /**
   * Marks the files behind the references sent at `indices` as needing another upload. The
   * references sent were the uploaded files in order, so the indices are read against that list
   * once, before any file changes.
   */
  function expire(indices: readonly number[]) {
    const sent = files.value.filter((file) => file.status === 'done');
    const keys = new Set(indices.map((index) => sent[index]?.key));
    files.value = files.value.map((one) => (keys.has(one.key) ? { ...one, status: 'failed', code: 'expired' } : one));
  }

  /**
   * Waits for uploads in flight, including any added or retried meanwhile; resolves with the
   * references, or undefined when one has failed.
   */
  async function settled(): Promise<string[] | undefined> {
    while (running.size) await Promise.all(running.values());
    return files.value.some((one) => one.status !== 'done') ? undefined : files.value.map((one) => one.id as string);
  }

  /** Forgets everything, aborting uploads (after sending, and on unmount). */
  function clear() {
    for (const controller of controllers.values()) controller.abort();
    controllers.clear();
    running.clear();
    files.value = [];
    refused.value = [];
  }

  return { files, refused, add, remove, retry, restore, uploaded, expire, settled, clear };
}
