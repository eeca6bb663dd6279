/**
 * The browser outbox: a submission is written to the device before its first attempt and removed
 * once the relay gave a final answer, so a message the relay could not be reached for (offline,
 * DNS, a relay down for longer than the retries wait) survives a closed tab and is sent later with
 * the same Idempotency-Key, which the relay deduplicates. One key per entry, so two tabs never
 * overwrite each other's.
 */
import type { UploadedAttachment } from '../shared/attachments';
import type { FieldValues } from '../shared/field-values';
import { readStored, removeStored, STORE_PREFIX, storedKeys, warn, writeStored } from './device-store';

/** One submission waiting for the relay's final answer, stored under its relay's URL and its key. */
export interface OutboxEntry {
  key: string;
  /** The exact request body sent (the identity token is added at each sending, fresh). */
  body: string;
  /** When it was written (milliseconds): an entry older than the draft expiry is dropped. */
  at: number;
  /** The form's values and files, to put back in the form if the relay refuses it later. */
  values: FieldValues;
  files: UploadedAttachment[];
}

/** Where one relay's entries are, and how long they are kept. */
export interface Outbox {
  /** The relay, as configured. */
  relay: string;
  maxAgeMs: number;
}

const prefix = (relay: string) => `${STORE_PREFIX}outbox:${relay} `;

/** Writes the entry; false when the device would not keep it. */
export const putEntry = ({ relay }: Outbox, entry: OutboxEntry) => writeStored(prefix(relay) + entry.key, entry);

export const removeEntry = ({ relay }: Outbox, key: string) => removeStored(prefix(relay) + key);

/** The entries waiting; one past its age (or unreadable) is dropped with a console warning. */
export function dueEntries({ relay, maxAgeMs }: Outbox, now = Date.now()): OutboxEntry[] {
  const due: OutboxEntry[] = [];
  for (const name of storedKeys(prefix(relay))) {
    const entry = readStored(name) as OutboxEntry | null;
    if (now - Number(entry?.at) < maxAgeMs && typeof entry?.body === 'string') due.push(entry);
    else {
      removeStored(name);
      warn('dropped a message not sent within', maxAgeMs / 864e5, 'days');
    }
  }
  return due;
}
