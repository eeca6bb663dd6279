import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { inspectFile } from '../../../src/relay/attachments/inspect-file';
import type { TypeRules } from '../../../src/relay/attachments/inspect-file';
import { DEFAULT_TYPES } from '../../../src/relay/attachments/media-types';
import { SNIFF_BYTES } from '../../../src/relay/attachments/sniff';
import { buildJpeg } from './jpeg';

const RULES: TypeRules = { accepted: DEFAULT_TYPES, allowActive: false, keepGps: false };

/** Streams `file` through inspectFile in chunks of `size` bytes: the type found, or the refusal's message. */
async function verdict(file: Buffer, name: string, size: number): Promise<string> {
  const chunks = Array.from({ length: Math.ceil(file.length / size) }, (_, i) => file.subarray(i * size, (i + 1) * size));
  const inspection = inspectFile(name, RULES, () => {});
  try {
    const out = await buffer(Readable.from(chunks).pipe(inspection.stream));
    expect(out.length).toBe(file.length);
    return inspection.result().type;
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  }
}

const text = (length: number, fill = 'All is well. ') => Buffer.from(fill.repeat(Math.ceil(length / fill.length)).slice(0, length), 'utf8');

describe('inspectFile judges exactly the first SNIFF_BYTES, however the upload is chunked', () => {
  const CHUNKS = [1, 1024, 64 * 1024];

  it.each([
    // A marker just past the sniffed bytes is not seen; the 64 KB chunk used to carry it into the sniff.
    { kind: 'text with <script> after the first 4 KB', file: Buffer.concat([text(5000), Buffer.from('<script>alert(1)</script>')]), name: 'a.txt', expected: 'text/plain' },
    { kind: 'text with a NUL after the first 4 KB', file: Buffer.concat([text(SNIFF_BYTES), Buffer.from([0]), text(100)]), name: 'a.txt', expected: 'text/plain' },
    { kind: 'text with <script> inside the first 4 KB', file: Buffer.concat([text(4000), Buffer.from('<script>x</script>'), text(3000)]), name: 'a.txt', expected: 'refused: The file is an HTML document; active content is not accepted.' },
    // "é" is 2 bytes: the SNIFF_BYTES boundary cuts it in half.
    { kind: 'UTF-8 text with a character cut by the 4 KB boundary', file: Buffer.concat([text(SNIFF_BYTES - 1), Buffer.from('é and more', 'utf8'), text(2000)]), name: 'a.csv', expected: 'text/csv' },
    { kind: 'text of exactly 4 KB', file: text(SNIFF_BYTES), name: 'a.txt', expected: 'text/plain' },
    { kind: 'a short text', file: text(10), name: 'a.txt', expected: 'text/plain' },
    { kind: 'a JPEG', file: buildJpeg({ padding: 70_000 }).jpeg, name: 'a.jpg', expected: 'image/jpeg' },
    { kind: 'a program', file: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(70_000)]), name: 'a.pdf', expected: 'refused: The file is a Windows program; active content is not accepted.' },
  ])('gives $kind the same verdict in chunks of 1 B, 1 KB and 64 KB', async ({ file, name, expected }) => {
    const verdicts = [];
    for (const size of CHUNKS) verdicts.push(await verdict(file, name, size));
    expect(verdicts).toEqual(CHUNKS.map(() => expected));
  });
});
