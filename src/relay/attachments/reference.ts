/**
 * Attachment references: the capability a visitor holds for an upload, and the storage key
 * derived from it one way, so a file's public URL never reveals the reference that attaches it.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as v from 'valibot';
import { AttachmentRef } from '../../shared/ticket-request';

/** A new reference: 32 random bytes, base64url (43 characters). */
export const newReference = (): string => randomBytes(32).toString('base64url');

/**
 * Whether `value` has the shape of a reference, as the request contract defines it (the one
 * definition, shared with the widget); anything else is never looked up. Every reference this
 * relay issues has it.
 */
export const isReference = (value: string): boolean => v.is(AttachmentRef, value);

/** The shape of a storage key, as it appears in a file URL. */
export const KEY_PATTERN = /^[\da-f]{32}$/;

/** The storage key of a reference: the first 128 bits of its SHA-256, in hex. */
export const keyOf = (reference: string): string => createHash('sha256').update(reference).digest('hex').slice(0, 32);
