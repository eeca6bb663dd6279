import { describe, expect, it } from 'vitest';
import { judgeType } from '../../../src/relay/attachments/inspect-file';
import { DEFAULT_TYPES, expandTypes } from '../../../src/relay/attachments/media-types';
import { sniff, SNIFF_BYTES } from '../../../src/relay/attachments/sniff';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))));
const ftyp = (major: string, ...compatible: string[]) => {
  const box = bytes([0, 0, 0, 16 + 4 * compatible.length], 'ftyp', major, [0, 0, 0, 0], ...compatible);
  return Buffer.concat([box, Buffer.alloc(64)]);
};
// A ZIP local file header is 30 bytes: the signature, then 26 bytes of fields; the entry's name follows.
const zipEntry = (name: string, content = '') => bytes('PK', [3, 4], Buffer.alloc(26).toString('latin1'), name, content);
const utf8 = (text: string) => Buffer.from(text, 'utf8');

const OOXML = 'application/vnd.openxmlformats-officedocument';

describe('sniff', () => {
  it.each([
    { kind: 'PNG', head: bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a], [0, 0, 0, 13]), name: 'a.png', type: 'image/png' },
    { kind: 'JPEG', head: bytes([0xff, 0xd8, 0xff, 0xe1]), name: 'a.jpg', type: 'image/jpeg' },
    { kind: 'GIF 87a', head: bytes('GIF87a', [1, 0]), name: 'a.gif', type: 'image/gif' },
    { kind: 'GIF 89a', head: bytes('GIF89a', [1, 0]), name: 'a.gif', type: 'image/gif' },
    { kind: 'WebP', head: bytes('RIFF', [0, 1, 0, 0], 'WEBPVP8 '), name: 'a.webp', type: 'image/webp' },
    { kind: 'HEIC', head: ftyp('heic', 'mif1', 'heic'), name: 'IMG_1.HEIC', type: 'image/heic' },
    { kind: 'HEIC under a mif1 major brand', head: ftyp('mif1', 'mif1', 'heic'), name: 'a.heic', type: 'image/heic' },
    { kind: 'plain HEIF', head: ftyp('mif1', 'mif1'), name: 'a.heif', type: 'image/heif' },
    { kind: 'AVIF', head: ftyp('avif', 'mif1', 'avif'), name: 'a.avif', type: 'image/avif' },
    { kind: 'MP4', head: ftyp('isom', 'isom', 'mp41'), name: 'a.mp4', type: 'video/mp4' },
    { kind: 'MOV', head: ftyp('qt  ', 'qt  '), name: 'a.mov', type: 'video/quicktime' },
    { kind: 'an unknown ftyp brand', head: ftyp('zzzz'), name: 'a.mp4', type: undefined },
    { kind: 'PDF', head: bytes('%PDF-1.7\n'), name: 'a.pdf', type: 'application/pdf' },
    { kind: 'a ZIP named .docx', head: zipEntry('[Content_Types].xml'), name: 'Report.DOCX', type: `${OOXML}.wordprocessingml.document` },
    { kind: 'a ZIP named .xlsx', head: zipEntry('[Content_Types].xml'), name: 'a.xlsx', type: `${OOXML}.spreadsheetml.sheet` },
    { kind: 'a ZIP named .pptx', head: zipEntry('[Content_Types].xml'), name: 'a.pptx', type: `${OOXML}.presentationml.presentation` },
    { kind: 'ODF text, by its mimetype entry', head: zipEntry('mimetype', 'application/vnd.oasis.opendocument.textPK'), name: 'a.bin', type: 'application/vnd.oasis.opendocument.text' },
    { kind: 'ODF spreadsheet', head: zipEntry('mimetype', 'application/vnd.oasis.opendocument.spreadsheet'), name: 'a.ods', type: 'application/vnd.oasis.opendocument.spreadsheet' },
    { kind: 'a ZIP with another name', head: zipEntry('setup.exe'), name: 'a.docx.zip', type: 'application/zip' },
    { kind: 'a ZIP named .odt without the mimetype entry', head: zipEntry('content.xml'), name: 'a.odt', type: 'application/zip' },
    { kind: 'plain text', head: utf8('Hello,\r\nthe car\tis red.\n'), name: 'notes.txt', type: 'text/plain' },
    { kind: 'UTF-8 text with a BOM', head: utf8('\uFEFFBlåbærsyltetøy – 10 kr'), name: 'notes', type: 'text/plain' },
    { kind: 'text named .csv', head: utf8('id;name\n1;Ann\n'), name: 'export.CSV', type: 'text/csv' },
    { kind: 'a renamed Windows program', head: bytes('MZ', [0x90, 0, 3, 0]), name: 'invoice.pdf', type: 'application/vnd.microsoft.portable-executable' },
    { kind: 'a Linux program', head: bytes([0x7f], 'ELF', [2, 1, 1]), name: 'photo.jpg', type: 'application/x-executable' },
    { kind: 'a macOS program', head: bytes([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]), name: 'a.png', type: 'application/x-mach-binary' },
    { kind: 'a universal macOS program', head: bytes([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]), name: 'a', type: 'application/x-mach-binary' },
    { kind: 'a shell script', head: utf8('#!/bin/sh\nrm -rf /\n'), name: 'readme.txt', type: 'text/x-shellscript' },
    { kind: 'an HTML document', head: utf8('<!DOCTYPE html><html><body>hi</body></html>'), name: 'a.txt', type: 'text/html' },
    { kind: 'HTML after a BOM and whitespace', head: utf8('\uFEFF \n\t<html lang="en">'), name: 'a.txt', type: 'text/html' },
    { kind: 'HTML that starts with a comment', head: utf8('<!-- x --><p>hi'), name: 'a.txt', type: 'text/html' },
    { kind: 'text with a script tag inside', head: utf8('Dear support,\nsee <script>alert(1)</script>'), name: 'a.csv', type: 'text/html' },
    { kind: 'an SVG with script', head: utf8('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), name: 'logo.png', type: 'image/svg+xml' },
    { kind: 'an SVG behind an XML declaration', head: utf8('<?xml version="1.0"?>\n<!-- made by hand -->\n<svg width="1">'), name: 'a.svg', type: 'image/svg+xml' },
    { kind: 'other XML', head: utf8('<?xml version="1.0"?><note>hi</note>'), name: 'a.txt', type: 'application/xml' },
    { kind: 'unknown binary', head: bytes([0, 1, 2, 3, 250, 251]), name: 'a.txt', type: undefined },
    { kind: 'text with control characters', head: utf8('abc\u0001def'), name: 'a.txt', type: undefined },
    { kind: 'invalid UTF-8', head: bytes('caf', [0xc3, 0x28], ' au lait'), name: 'a.txt', type: undefined },
    { kind: 'nothing', head: Buffer.alloc(0), name: 'a.txt', type: undefined },
  ])('finds $kind to be $type', ({ head, name, type }) => {
    expect(sniff(head, name)).toBe(type);
  });

  it('reads text whose sniffed bytes end inside a multi-byte character', () => {
    const head = Buffer.concat([Buffer.alloc(SNIFF_BYTES - 1, 0x61), Buffer.from('ø', 'utf8').subarray(0, 1)]);
    expect(sniff(head, 'a.txt', false)).toBe('text/plain');
    expect(sniff(head, 'a.txt', true)).toBeUndefined();
  });

  it('does not take a type from the name alone', () => {
    expect(sniff(utf8('just words'), 'photo.jpg')).toBe('text/plain');
    expect(sniff(bytes([0xff, 0xd8, 0xff, 0xe0]), 'notes.txt')).toBe('image/jpeg');
  });
});

describe('judgeType', () => {
  const defaults = { accepted: expandTypes(DEFAULT_TYPES), allowActive: false, keepGps: false };

  it('accepts a default type', () => {
    expect(judgeType('image/png', defaults)).toEqual({ ok: true, type: 'image/png' });
  });

  it.each([
    { type: 'application/vnd.microsoft.portable-executable', says: 'a Windows program; active content is not accepted' },
    { type: 'image/svg+xml', says: 'an SVG image, which can carry script; active content is not accepted' },
    { type: 'text/html', says: 'an HTML document; active content is not accepted' },
    { type: 'application/zip', says: 'of type application/zip, which this relay does not accept' },
    { type: undefined, says: 'not of a kind this relay recognises' },
  ] as const)('refuses $type, naming what it found', ({ type, says }) => {
    const judged = judgeType(type, defaults);
    expect(judged.ok).toBe(false);
    expect(!judged.ok && judged.message).toContain(says);
  });

  it('accepts active content only when allowed and listed by name', () => {
    const listed = { ...defaults, accepted: expandTypes([...DEFAULT_TYPES, 'image/svg+xml']), allowActive: true };
    expect(judgeType('image/svg+xml', listed)).toEqual({ ok: true, type: 'image/svg+xml' });
    expect(judgeType('text/html', listed).ok).toBe(false);
  });
});

describe('expandTypes', () => {
  it('expands a wildcard to the known types of its family, never to active ones', () => {
    expect(expandTypes(['image/*'])).toEqual(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/heic', 'image/heif', 'image/avif']);
    expect(expandTypes(['text/*'])).toEqual(['text/plain', 'text/csv']);
  });
});
