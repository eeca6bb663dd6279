import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAttachmentClaims } from '../../../src/relay/attachments/claim-attachments';
import { keyOf, newReference } from '../../../src/relay/attachments/reference';
import type { StoredMeta } from '../../../src/relay/attachments/storage';
import { memoryStorage } from './memory-storage';

const MINUTE = 60_000;
const OWNER = 'a'.repeat(32);
const OTHER = 'b'.repeat(32);

function setup() {
  const clock = { now: 1_000_000 };
  const now = () => clock.now;
  const { storage, metas } = memoryStorage(now);
  const claims = createAttachmentClaims({
    storage,
    lifetimes: { orphanMs: 60 * MINUTE, retentionMs: 30 * 24 * 60 * MINUTE },
    maxFiles: 3,
    maxTotalBytes: 100,
    leaseMs: 2 * MINUTE,
    now,
  });
  const upload = async (size = 10, extra: Partial<StoredMeta> = {}) => {
    const reference = newReference();
    await storage.put(keyOf(reference), Readable.from([Buffer.alloc(size)]));
    await storage.setMeta(keyOf(reference), { name: 'a.png', size, type: 'image/png', createdAt: clock.now, ...extra });
    return reference;
  };
  return { clock, claims, metas, upload };
}

describe('attachment claims', () => {
  it('reserves every referenced file, then attaches them for good', async () => {
    const { clock, claims, metas, upload } = setup();
    const references = [await upload(), await upload()];

    const claimed = await claims.claim(references, OWNER);
    expect(claimed.ok).toBe(true);
    if (!claimed.ok) return;
    expect(claimed.value.map((file) => file.key)).toEqual(references.map(keyOf));
    expect(metas.get(keyOf(references[0] ?? ''))).toMatchObject({ reservedUntil: clock.now + 2 * MINUTE, owner: OWNER });

    clock.now += 1000;
    await claims.commit(claimed.value, OWNER);
    expect(metas.get(keyOf(references[0] ?? ''))).toEqual({
      name: 'a.png',
      size: 10,
      type: 'image/png',
      createdAt: 1_000_000,
      attachedAt: 1_001_000,
      owner: OWNER,
    });
  });

  it("refuses a reference another submission took, or is taking", async () => {
    const { claims, upload } = setup();
    const taken = await upload();
    const pending = await upload();
    const first = await claims.claim([taken], OWNER);
    if (first.ok) await claims.commit(first.value, OWNER);
    await claims.claim([pending], OWNER);

    expect(await claims.claim([await upload(), taken, pending], OTHER)).toEqual({
      ok: false,
      error: [
        { path: 'attachments.1', code: 'invalid' },
        { path: 'attachments.2', code: 'invalid' },
      ],
    });
  });

  it('gives released files back as they were, so any ticket can take them', async () => {
    const { claims, metas, upload } = setup();
    const reference = await upload();
    const before = { ...metas.get(keyOf(reference)) };
    const first = await claims.claim([reference], OWNER);
    if (first.ok) await claims.release(first.value);
    expect(metas.get(keyOf(reference))).toEqual(before);
    expect((await claims.claim([reference], OTHER)).ok).toBe(true);
  });

  it('lets the same submission take its files again: a retry after an unclear outcome', async () => {
    const { claims, upload } = setup();
    const reference = await upload();
    const first = await claims.claim([reference], OWNER);
    if (first.ok) await claims.commit(first.value, OWNER);
    expect((await claims.claim([reference], OWNER)).ok).toBe(true);
  });

  it('lets a reservation lapse after its lease (a relay that died mid-ticket)', async () => {
    const { clock, claims, upload } = setup();
    const reference = await upload();
    await claims.claim([reference], OWNER);
    clock.now += 2 * MINUTE - 1;
    expect((await claims.claim([reference], OTHER)).ok).toBe(false);
    clock.now += 1;
    expect((await claims.claim([reference], OTHER)).ok).toBe(true);
  });

  it.each([
    { name: 'a forged reference', reference: () => 'A'.repeat(43) },
    { name: 'a reference of the wrong shape', reference: () => 'short' },
    { name: 'a well-shaped reference no upload has', reference: () => 'well-shaped-but-unknown-ref' },
    { name: 'a URL', reference: () => 'https://evil.example/x.exe' },
  ])('refuses $name', async ({ reference }) => {
    const { claims } = setup();
    expect(await claims.claim([reference()], OWNER)).toEqual({ ok: false, error: [{ path: 'attachments.0', code: 'invalid' }] });
  });

  it('refuses an orphaned upload, even before the sweep deletes it', async () => {
    const { clock, claims, upload } = setup();
    const reference = await upload();
    clock.now += 60 * MINUTE + 1;
    expect(await claims.claim([reference], OWNER)).toEqual({ ok: false, error: [{ path: 'attachments.0', code: 'invalid' }] });
  });

  it('refuses the same reference twice in one ticket', async () => {
    const { claims, upload } = setup();
    const reference = await upload();
    expect(await claims.claim([reference, reference], OWNER)).toEqual({ ok: false, error: [{ path: 'attachments.1', code: 'invalid' }] });
  });

  it('lets only one of two tickets racing for a file take it', async () => {
    const { claims, upload } = setup();
    const reference = await upload();
    const results = await Promise.all([claims.claim([reference], OWNER), claims.claim([reference], OTHER)]);
    expect(results.map((result) => result.ok).sort()).toEqual([false, true]);
  });

  it('checks the count and the total size against the policy, reserving nothing', async () => {
    const { claims, metas, upload } = setup();
    const many = [await upload(), await upload(), await upload(), await upload()];
    expect(await claims.claim(many, OWNER)).toEqual({ ok: false, error: [{ path: 'attachments', code: 'too_many', limit: 3 }] });

    const big = [await upload(60), await upload(41)];
    expect(await claims.claim(big, OWNER)).toEqual({ ok: false, error: [{ path: 'attachments', code: 'invalid' }] });
    expect([...metas.values()].some((meta) => meta.reservedUntil !== undefined)).toBe(false);
  });
});
