/**
 * A ticket's attachments from claim to outcome: its references become the `{url, name}` pairs
 * Socialboards receives, and the ticket's outcome decides whether the files stay attached.
 */
import { createHash } from 'node:crypto';
import type { CreateTicketBody } from '../../shared/create-ticket';
import { fail, ok } from '../../shared/result';
import type { Result } from '../../shared/result';
import type { UpstreamResult } from '../upstream/upstream-result';
import { invalidFields } from '../field-errors';
import type { InvalidFields } from '../field-errors';
import type { AttachmentClaims, ClaimedFile } from './claim-attachments';
import type { PendingBytes } from './pending-bytes';

/** What the tickets route needs to take attachments. */
export interface TicketAttachments {
  claims: AttachmentClaims;
  /** The public URL of a stored file. */
  fileUrl: (key: string, name: string) => string;
  /** RELAY_ATTACHMENT_MAX_TOTAL_MB in bytes, for the message when a ticket's files exceed it. */
  maxTotalBytes: number;
  /** The count of unattached uploads, which attached files leave. */
  pending: PendingBytes;
}

export interface ReservedFiles {
  links: CreateTicketBody['attachments'];
  /** The files' storage keys (what an outbox entry holds on to). */
  keys: readonly string[];
  /**
   * Call with the outcome of Create Ticket (undefined when it threw), or `queued` when the outbox
   * took the ticket (it will exist). Rejects when the storage fails (attaching is tried twice);
   * the ticket's outcome stands all the same.
   */
  settle(result: UpstreamResult<unknown> | 'queued' | undefined): Promise<void>;
}

/** The reserved files, or the validation answer refusing them. */
export type AttachedFiles = Result<ReservedFiles, InvalidFields>;

const NOTHING: AttachedFiles = ok({ links: [], keys: [], settle: async () => {} });

/** The owner of a submission's files: a hash of its Idempotency-Key (the key itself is not kept). */
export const ownerOf = (idempotencyKey: string) => createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);

/**
 * Reserves the referenced files for the submission with `idempotencyKey` (nothing to do when the
 * relay takes no attachments: validation refused any). `settle` then attaches them when the ticket
 * was created, or may have been (a timeout, an unconfirmed answer: its links must keep working,
 * and a retry of the same submission may take the files again), and gives them back when it
 * certainly was not. A refusal comes as the validation answer's message and fields.
 */
export async function attachFiles(
  attachments: TicketAttachments | undefined,
  references: readonly string[],
  idempotencyKey: string,
): Promise<AttachedFiles> {
  if (attachments === undefined || references.length === 0) return NOTHING;
  const owner = ownerOf(idempotencyKey);
  const claimed = await attachments.claims.claim(references, owner);
  if (!claimed.ok) {
    const { message, fields } = invalidFields(claimed.error);
    const overTotal = claimed.error.some((issue) => issue.path === 'attachments' && issue.code === 'invalid');
    return fail({ message: overTotal ? `${message} The attachments are larger than ${attachments.maxTotalBytes} bytes in all.` : message, fields });
  }
  const files: ClaimedFile[] = claimed.value;
  return ok({
    links: files.map(({ key, meta }) => ({ url: attachments.fileUrl(key, meta.name), name: meta.name })),
    keys: files.map(({ key }) => key),
    settle: async (result) => {
      const mayExist =
        result === 'queued' || (result !== undefined && (result.ok || result.error.code === 'upstream_unconfirmed' || result.error.outcomeUnknown === true));
      if (!mayExist) return attachments.claims.release(files);
      // A storage blip must not cost the ticket its files: once more before giving up.
      await attachments.claims.commit(files, owner).catch(() => attachments.claims.commit(files, owner));
      for (const { key } of files) attachments.pending.release(key);
    },
  });
}
