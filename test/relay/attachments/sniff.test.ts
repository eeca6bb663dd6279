import { describe, expect, it } from 'vitest';
import { judgeType } from '../../../src/relay/attachments/inspect-file';
import { DEFAULT_TYPES, expandTypes } from '../../../src/relay/attachments/media-types';
import { SNIFF_BYTES } from '../../../src/relay/attachments/sniff';
import { PNG } from '../integration/attachments-support';
import { verdict } from './inspect';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))));
const ftyp = (major: string, ...compatible: string[]) => {
  const box = bytes([0, 0, 0, 16 + 4 * compatible.length], 'ftyp', major, [0, 0, 0, 0], ...compatible);
  return Buffer.concat([box, Buffer.alloc(64)]);
};
const utf8 = (text: string) => Buffer.from(text, 'utf8');
const ALL = { accepted: expandTypes(['image/*', 'video/*', 'audio/*', 'application/pdf', 'text/*', 'application/zip']), allowActive: false, keepGps: true, pdfScripts: 'refuse' as const };

describe('the type found in a file', () => {
  it.each([
    { kind: 'PNG', file: PNG, name: 'a.png', type: 'image/png' },
    { kind: 'JPEG', file: bytes([0xff, 0xd8, 0xff, 0xe1], Buffer.alloc(64).toString('latin1')), name: 'a.jpg', type: 'image/jpeg' },
    { kind: 'GIF 87a', file: bytes('GIF87a', [1, 0, 1, 0, 0, 0, 0]), name: 'a.gif', type: 'image/gif' },
    { kind: 'GIF 89a', file: bytes('GIF89a', [1, 0, 1, 0, 0, 0, 0]), name: 'a.gif', type: 'image/gif' },
    { kind: 'WebP', file: bytes('RIFF', [0, 1, 0, 0], 'WEBPVP8 ', Buffer.alloc(32).toString('latin1')), name: 'a.webp', type: 'image/webp' },
    { kind: 'HEIC', file: ftyp('heic', 'mif1', 'heic'), name: 'IMG_1.HEIC', type: 'image/heic' },
    { kind: 'HEIF', file: ftyp('mif1', 'mif1'), name: 'a.heif', type: 'image/heif' },
    { kind: 'AVIF', file: ftyp('avif', 'mif1', 'avif'), name: 'a.avif', type: 'image/avif' },
    { kind: 'MP4', file: ftyp('isom', 'isom', 'mp41'), name: 'a.mp4', type: 'video/mp4' },
    { kind: 'MOV', file: ftyp('qt  ', 'qt  '), name: 'a.mov', type: 'video/quicktime' },
    { kind: 'M4A', file: ftyp('M4A ', 'M4A '), name: 'a.m4a', type: 'audio/mp4' },
    { kind: 'PDF', file: bytes('%PDF-1.7\n%%EOF\n'), name: 'a.pdf', type: 'application/pdf' },
    { kind: 'plain text', file: utf8('Hello,\r\nthe car\tis red.\n'), name: 'notes.txt', type: 'text/plain' },
    { kind: 'UTF-8 text with a BOM', file: utf8('\uFEFFBlåbærsyltetøy – 10 kr'), name: 'notes', type: 'text/plain' },
    { kind: 'text named .csv', file: utf8('id;name\n1;Ann\n'), name: 'export.CSV', type: 'text/csv' },
    // file-type reads "BM" as a BMP, and "ID3" as an MP3: text that starts so is still text.
    { kind: 'a CSV that starts with BM', file: utf8('BMW;red\n1;2\n'), name: 'cars.csv', type: 'text/csv' },
    { kind: 'text that starts with ID3', file: utf8('ID3 tags are metadata.\n'), name: 'notes.txt', type: 'text/plain' },
    { kind: 'a ZIP', file: Buffer.concat([bytes('PK', [3, 4]), Buffer.alloc(40)]), name: 'a.zip', type: 'application/zip' },
  ])('finds $kind to be $type', async ({ file, name, type }) => {
    expect(await verdict(file, name, { rules: ALL })).toBe(type);
  });

  it.each([
    { kind: 'a renamed Windows program', file: bytes('MZ', [0x90, 0, 3, 0], Buffer.alloc(64).toString('latin1')), name: 'invoice.pdf', says: 'a Windows program; active content' },
    { kind: 'a Linux program', file: bytes([0x7f], 'ELF', [2, 1, 1], Buffer.alloc(64).toString('latin1')), name: 'photo.jpg', says: 'a Linux program; active content' },
    { kind: 'a macOS program', file: bytes([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1], Buffer.alloc(32).toString('latin1')), name: 'a.png', says: 'a macOS program' },
    { kind: 'a universal macOS program', file: bytes([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2], Buffer.alloc(32).toString('latin1')), name: 'a', says: 'a macOS program' },
    { kind: 'a shell script', file: utf8('#!/bin/sh\nrm -rf /\n'), name: 'readme.txt', says: 'a script; active content' },
    { kind: 'an HTML document', file: utf8('<!DOCTYPE html><html><body>hi</body></html>'), name: 'a.txt', says: 'an HTML document; active content' },
    { kind: 'HTML after a BOM and whitespace', file: utf8('\uFEFF \n\t<html lang="en">'), name: 'a.txt', says: 'an HTML document' },
    { kind: 'HTML that starts with a comment', file: utf8('<!-- x --><p>hi'), name: 'a.txt', says: 'an HTML document' },
    { kind: 'an SVG with script', file: utf8('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), name: 'logo.png', says: 'an SVG image' },
    { kind: 'an SVG behind an XML declaration', file: utf8('<?xml version="1.0"?>\n<!-- made by hand -->\n<svg width="1">'), name: 'a.svg', says: 'an SVG image' },
    { kind: 'other XML', file: utf8('<?xml version="1.0"?><note>hi</note>'), name: 'a.txt', says: 'an XML document' },
    { kind: 'a BMP image', file: bytes('BM', [0x3a, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0, 0x28, 0, 0, 0], Buffer.alloc(40).toString('latin1')), name: 'a.bmp', says: 'of type image/bmp (.bmp), which this relay does not accept' },
    { kind: 'unknown binary', file: bytes([0, 1, 2, 3, 250, 251]), name: 'a.txt', says: 'not of a kind this relay recognises (binary data at byte 0)' },
    { kind: 'text with control characters', file: utf8('abc\u0001def'), name: 'a.txt', says: 'not of a kind this relay recognises (binary data at byte 3)' },
    { kind: 'invalid UTF-8', file: bytes('caf', [0xc3, 0x28], ' au lait'), name: 'a.txt', says: 'not of a kind this relay recognises (text that is not valid UTF-8 at byte 4)' },
    // file-type takes it for MPEG audio; what a visitor needs to hear is the encoding.
    { kind: 'UTF-16 text', file: Buffer.from('\uFEFFHello', 'utf16le'), name: 'a.txt', says: 'The file is UTF-16 text; this relay accepts text in UTF-8 only.' },
    { kind: 'big-endian UTF-16 text', file: Buffer.from('\uFFFEHello', 'utf16le'), name: 'a.txt', says: 'The file is UTF-16 text; this relay accepts text in UTF-8 only.' },
    { kind: 'text that ends inside a character', file: Buffer.concat([utf8('abc'), Buffer.from('ø', 'utf8').subarray(0, 1)]), name: 'a.txt', says: 'not valid UTF-8 at byte 4' },
  ])('refuses $kind, naming what it found', async ({ file, name, says }) => {
    expect(await verdict(file, name, { rules: ALL })).toContain(says);
  });

  it('reads text whose first 4 KB end inside a multi-byte character', async () => {
    const file = Buffer.concat([Buffer.alloc(SNIFF_BYTES - 1, 0x61), Buffer.from('ø and more', 'utf8')]);
    expect(await verdict(file, 'a.txt', { chunk: SNIFF_BYTES })).toBe('text/plain');
  });

  it('does not take a type from the name alone', async () => {
    expect(await verdict(utf8('just words'), 'photo.jpg')).toBe('text/plain');
    expect(await verdict(bytes([0xff, 0xd8, 0xff, 0xe0], Buffer.alloc(64).toString('latin1')), 'notes.txt')).toBe('image/jpeg');
  });
});

describe('judgeType', () => {
  const defaults = { accepted: expandTypes(DEFAULT_TYPES), allowActive: false, keepGps: false, pdfScripts: 'refuse' as const };

  it('accepts a default type', () => {
    expect(judgeType('image/png', defaults)).toEqual({ ok: true, value: 'image/png' });
  });

  it.each([
    { type: 'application/vnd.microsoft.portable-executable', says: 'a Windows program; active content is not accepted' },
    { type: 'image/svg+xml', says: 'an SVG image, which can carry script; active content is not accepted' },
    { type: 'text/html', says: 'an HTML document; active content is not accepted' },
    { type: 'application/zip', says: 'a ZIP archive, which this relay does not accept' },
    { type: undefined, says: 'not of a kind this relay recognises' },
  ] as const)('refuses $type, naming what it found', ({ type, says }) => {
    const judged = judgeType(type, defaults);
    expect(judged.ok).toBe(false);
    expect(!judged.ok && judged.error).toContain(says);
  });

  it('accepts active content only when allowed and listed by name', () => {
    const listed = { ...defaults, accepted: expandTypes([...DEFAULT_TYPES, 'image/svg+xml']), allowActive: true };
    expect(judgeType('image/svg+xml', listed)).toEqual({ ok: true, value: 'image/svg+xml' });
    expect(judgeType('text/html', listed).ok).toBe(false);
  });
});

describe('expandTypes', () => {
  it('expands a wildcard to the known types of its family, never to active ones', () => {
    expect(expandTypes(['image/*'])).toEqual(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/heic', 'image/heif', 'image/avif']);
    expect(expandTypes(['text/*'])).toEqual(['text/plain', 'text/csv']);
  });
});
