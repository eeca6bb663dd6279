import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AttachmentRef } from '../../../src/shared/ticket-request';
import * as v from 'valibot';
import { isReference, KEY_PATTERN, keyOf, newReference } from '../../../src/relay/attachments/reference';

describe('attachment references', () => {
  it('are 32 random bytes in base64url, accepted by the shared request schema', () => {
    const references = Array.from({ length: 50 }, newReference);
    expect(new Set(references).size).toBe(50);
    for (const reference of references) {
      expect(reference).toMatch(/^[\w-]{43}$/);
      expect(isReference(reference)).toBe(true);
      expect(Buffer.from(reference, 'base64url')).toHaveLength(32);
      expect(v.safeParse(AttachmentRef, reference).success).toBe(true);
    }
  });

  it('map one way to a storage key that does not contain them', () => {
    const reference = newReference();
    const key = keyOf(reference);
    expect(key).toMatch(KEY_PATTERN);
    expect(key).toBe(createHash('sha256').update(reference).digest('hex').slice(0, 32));
    expect(key).toBe(keyOf(reference));
    expect(key).not.toContain(reference);
    expect(keyOf(newReference())).not.toBe(key);
  });
});
