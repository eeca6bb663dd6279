/** The attachment rules widget and relay share: which chosen files the widget refuses before sending a byte, and why. */
import { describe, expect, it } from 'vitest';
import { checkFile, typeAccepted, type AttachmentPolicy, type FileProblem } from '../../src/shared/attachments';

const POLICY: AttachmentPolicy = { maxFiles: 3, maxFileBytes: 1000, maxTotalBytes: 1500, types: ['image/*', 'application/pdf'] };

/** Files already attached, by size. */
const attached = (...sizes: number[]) => sizes.map((size) => ({ size }));

describe('checkFile', () => {
  it.each<[string, FileProblem | 'accepted', { size: number; type: string }, { size: number }[]]>([
    ['a first small PDF', 'accepted', { size: 10, type: 'application/pdf' }, []],
    ['a file of exactly the per-file limit', 'accepted', { size: 1000, type: 'image/png' }, []],
    ['a file one byte over the per-file limit', 'file_too_large', { size: 1001, type: 'image/png' }, []],
    ['a file that brings the total to exactly the limit', 'accepted', { size: 500, type: 'image/png' }, attached(500, 500)],
    ['a file that brings the total one byte over', 'total_too_large', { size: 501, type: 'image/png' }, attached(500, 500)],
    ['a third file', 'accepted', { size: 1, type: 'image/png' }, attached(1, 1)],
    ['a fourth file, however small', 'too_many_files', { size: 1, type: 'image/png' }, attached(1, 1, 1)],
    ['an empty file', 'accepted', { size: 0, type: 'image/png' }, []],
    ['any image type, by the wildcard', 'accepted', { size: 10, type: 'image/heic' }, []],
    ['a type not in the list', 'file_type', { size: 10, type: 'application/zip' }, []],
    ['a type that only starts like an accepted one', 'file_type', { size: 10, type: 'application/pdfx' }, []],
    ['a type the browser did not know (left to the relay)', 'accepted', { size: 10, type: '' }, []],
    // One reason per file: count, then size, then total, then type.
    ['too many files before too large', 'too_many_files', { size: 5000, type: 'application/zip' }, attached(1, 1, 1)],
    ['too large before over the total', 'file_too_large', { size: 1001, type: 'image/png' }, attached(1000)],
    ['over the total before a refused type', 'total_too_large', { size: 1000, type: 'application/zip' }, attached(1000)],
  ])('%s: %s', (_, problem, file, already) => {
    expect(checkFile(file, already, POLICY) ?? 'accepted').toBe(problem);
  });
});

describe('typeAccepted', () => {
  it.each<[string, string[], boolean]>([
    ['image/png', ['image/*'], true],
    ['image/svg+xml', ['image/*'], true],
    ['application/pdf', ['application/pdf'], true],
    ['application/pdf', ['image/*', 'application/pdf'], true],
    ['text/plain', ['image/*', 'application/pdf'], false],
    ['imagex/png', ['image/*'], false],
    ['image', ['image/*'], false],
    ['application/pdf+zip', ['application/pdf'], false],
    ['video/mp4', ['image/*', 'video/mp4'], true],
    ['video/webm', ['video/mp4'], false],
    ['image/png', [], false],
  ])('%s against %j: %s', (type, types, accepted) => {
    expect(typeAccepted(type, types)).toBe(accepted);
  });
});
