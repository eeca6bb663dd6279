/**
 * Turns a ticket's attachment references into stored files, at most one submission per file: the
 * files are reserved before Socialboards is called, attached when the ticket may exist, and given
 * back when it certainly does not, so a retry can take them again.
 */
import type { FieldIssue } from '../../shared/field-issues';
import { fail, ok } from '../../shared/result';
import type { Result } from '../../shared/result';
import { isClaimable } from './lifecycle';
import type { Lifetimes } from './lifecycle';
import { isReference, keyOf } from './reference';
import type { AttachmentStorage, StoredMeta } from './storage';

/** A file a submission has reserved, with its metadata from before the reservation. */
export interface ClaimedFile {
  key: string;
  meta: StoredMeta;
}

/** The reserved files, or why none was reserved. */
export type Claim = Result<ClaimedFile[], FieldIssue[]>;

export interface ClaimsOptions {
  storage: AttachmentStorage;
  lifetimes: Lifetimes;
  /** The policy's per-ticket caps. */
  maxFiles: number;
  maxTotalBytes: number;
  /** How long a reservation holds: longer than a ticket's upstream calls can take. */
  leaseMs: number;
  now: () => number;
}

export interface AttachmentClaims {
  /**
   * Reserves every referenced file for the submission `owner`, or none. An unknown, forged,
   * expired, deleted, or another submission's reference is an issue at `attachments.<index>`
   * (`invalid`); too many files is `too_many` and too many bytes in all is `invalid`, both at
   * `attachments`.
   */
  claim(references: readonly string[], owner: string): Promise<Claim>;
  /** The ticket exists, or may: the files are attached to it (and served) for good. */
  commit(files: readonly ClaimedFile[], owner: string): Promise<void>;
  /** The ticket certainly does not exist: the files are as they were before the claim. */
  release(files: readonly ClaimedFile[]): Promise<void>;
}

export function createAttachmentClaims({ storage, lifetimes, maxFiles, maxTotalBytes, leaseMs, now }: ClaimsOptions): AttachmentClaims {
  // Keys being claimed in this process right now: checking and reserving takes several awaits, and
  // two tickets racing for one file must not both win. (Across relay instances the reservation in
  // the metadata decides, with a window of one read and one write; see docs/attachments.md.)
  const busy = new Set<string>();

  const write = (files: readonly ClaimedFile[], change: (meta: StoredMeta) => StoredMeta) =>
    Promise.all(files.map(({ key, meta }) => storage.setMeta(key, change(meta)))).then(() => undefined);

  return {
    async claim(references, owner) {
      const issues: FieldIssue[] = [];
      if (references.length > maxFiles) issues.push({ path: 'attachments', code: 'too_many', limit: maxFiles });
      const mine: string[] = [];
      references.forEach((reference, index) => {
        const key = keyOf(reference);
        if (!isReference(reference) || busy.has(key)) issues.push({ path: `attachments.${index}`, code: 'invalid' });
        else {
          busy.add(key);
          mine.push(key);
        }
      });
      try {
        const found = await Promise.all(
          references.map(async (reference, index) => {
            const key = keyOf(reference);
            return { index, key, meta: mine.includes(key) ? await storage.getMeta(key) : undefined };
          }),
        );
        const files: ClaimedFile[] = [];
        for (const { index, key, meta } of found) {
          if (!mine.includes(key) || issues.some((issue) => issue.path === `attachments.${index}`)) continue;
          if (meta === undefined || !isClaimable(meta, now(), lifetimes, owner)) issues.push({ path: `attachments.${index}`, code: 'invalid' });
          else files.push({ key, meta });
        }
        if (issues.length === 0 && files.reduce((sum, file) => sum + file.meta.size, 0) > maxTotalBytes) {
          issues.push({ path: 'attachments', code: 'invalid' });
        }
        if (issues.length > 0) return fail(issues.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true })));
        const reservedUntil = now() + leaseMs;
        await write(files, (meta) => ({ ...meta, reservedUntil, owner }));
        return ok(files);
      } finally {
        for (const key of mine) busy.delete(key);
      }
    },

    commit: (files, owner) =>
      write(files, ({ reservedUntil: _reserved, ...meta }) => ({ ...meta, attachedAt: meta.attachedAt ?? now(), owner })),

    release: (files) => write(files, (meta) => meta),
  };
}
