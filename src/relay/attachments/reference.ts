/**
 * Attachment references: the capability a visitor holds for an upload, and the storage key
 * derived from it one way, so a file's public URL never reveals the reference that attaches it.
 */
import { createHash, randomBytes } from 'node:crypto';

/** A new reference: 32 random bytes, base64url (43 characters). */
export const newReference = (): string => randomBytes(32).toString('base64url');

/** The shape of a reference this relay issues; anything else is never looked up. */
export const REFERENCE_PATTERN = /^[\w-]{43}$/;

/** The shape of a storage key, as it appears in a file URL. */
export const KEY_PATTERN = /^[\da-f]{32}$/;

/** The storage key of a reference: the first 128 bits of its SHA-256, in hex. */
export const keyOf = (reference: string): string => createHash('sha256').update(reference).digest('hex').slice(0, 32);
