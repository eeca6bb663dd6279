/**
 * Finds a file's real type from its first bytes, never from its name or the browser's claim
 * (the name only tells apart formats that share their bytes: CSV from plain text, and the
 * ZIP-based office formats). Pure and table-driven.
 */
import { extensionOf, OFFICE_BY_EXTENSION } from './media-types';
import type { KnownType } from './media-types';

/** How many leading bytes `sniff` needs to decide (fewer when the file is shorter). */
export const SNIFF_BYTES = 4096;

/** A known type, or `undefined` for bytes the relay does not recognise (always refused). */
export type Sniffed = KnownType | undefined;

const ascii = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));

const startsWith = (head: Uint8Array, bytes: readonly number[] | Uint8Array, at = 0) =>
  head.length >= at + bytes.length && bytes.every((byte, index) => head[at + index] === byte);

/** Up to `length` bytes from `at` as Latin-1 text (fewer when the head is shorter). */
const textAt = (head: Uint8Array, at: number, length: number) => String.fromCharCode(...head.subarray(at, at + length));

/** Magic numbers at the start of the file, checked in order. */
const MAGIC: readonly { bytes: Uint8Array | readonly number[]; type: KnownType }[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], type: 'image/png' },
  { bytes: [0xff, 0xd8, 0xff], type: 'image/jpeg' },
  { bytes: ascii('GIF87a'), type: 'image/gif' },
  { bytes: ascii('GIF89a'), type: 'image/gif' },
  { bytes: ascii('%PDF-'), type: 'application/pdf' },
  // Executables: Windows PE, ELF, Mach-O (32/64-bit, both byte orders, and universal binaries).
  { bytes: ascii('MZ'), type: 'application/vnd.microsoft.portable-executable' },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], type: 'application/x-executable' },
  { bytes: [0xfe, 0xed, 0xfa, 0xce], type: 'application/x-mach-binary' },
  { bytes: [0xfe, 0xed, 0xfa, 0xcf], type: 'application/x-mach-binary' },
  { bytes: [0xce, 0xfa, 0xed, 0xfe], type: 'application/x-mach-binary' },
  { bytes: [0xcf, 0xfa, 0xed, 0xfe], type: 'application/x-mach-binary' },
  { bytes: [0xca, 0xfe, 0xba, 0xbe], type: 'application/x-mach-binary' },
  { bytes: ascii('#!'), type: 'text/x-shellscript' },
];

/** ISO base media brands (the `ftyp` box) and what they are; the compatible brands decide HEIF files. */
const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
const HEIF_BRANDS = new Set(['mif1', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
const MP4_BRANDS = new Set(['isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'mp41', 'mp42', 'avc1', 'M4V ', 'M4VH', 'M4VP', 'dash', 'mmp4', 'f4v ']);

function sniffFtyp(head: Uint8Array): Sniffed {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const boxSize = Math.min(view.getUint32(0), head.length);
  const brands = [textAt(head, 8, 4)];
  for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(textAt(head, at, 4));
  const has = (set: Set<string>) => brands.some((brand) => set.has(brand));
  const major = brands[0] ?? '';
  if (HEIC_BRANDS.has(major)) return 'image/heic';
  if (AVIF_BRANDS.has(major)) return 'image/avif';
  if (HEIF_BRANDS.has(major)) return has(HEIC_BRANDS) ? 'image/heic' : has(AVIF_BRANDS) ? 'image/avif' : 'image/heif';
  if (major === 'qt  ') return 'video/quicktime';
  if (major === 'M4A ') return 'audio/mp4';
  if (major.startsWith('3gp')) return 'video/3gpp';
  if (MP4_BRANDS.has(major)) return 'video/mp4';
  return undefined;
}

/**
 * A ZIP. ODF puts an uncompressed `mimetype` entry first, so its type is in the bytes; OOXML has
 * no such marker, so ASSUMED: a ZIP named .docx, .xlsx or .pptx is that format (the relay does
 * not unpack archives). Any other ZIP is `application/zip`.
 */
function sniffZip(head: Uint8Array, name: string): KnownType {
  if (textAt(head, 30, 8) === 'mimetype') {
    const declared = textAt(head, 38, 60);
    const odf = Object.values(OFFICE_BY_EXTENSION).find((type) => type.includes('opendocument') && declared.startsWith(type));
    if (odf !== undefined && !declared.startsWith(`${odf}-`)) return odf;
  }
  const byName = OFFICE_BY_EXTENSION[extensionOf(name)];
  return byName !== undefined && byName.includes('openxmlformats') ? byName : 'application/zip';
}

// What marks text as HTML: the WHATWG MIME sniffing tags at its start (mimesniff §7.1), and
// anywhere in the sniffed bytes the tags that run script or load other documents.
const HTML_START = /^<(!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--)[\s>]/i;
const HTML_ANYWHERE = /<(script|iframe|object|embed|html|body|svg)[\s/>]/i;

/** mimesniff §7.2's binary data bytes: controls other than tab, line feed, form feed, carriage return and escape. */
const isBinaryByte = (byte: number) => byte <= 0x08 || byte === 0x0b || (byte >= 0x0e && byte <= 0x1a) || (byte >= 0x1c && byte <= 0x1f);

function sniffText(head: Uint8Array, name: string, whole: boolean): Sniffed {
  if (head.some(isBinaryByte)) return undefined;
  const text = decodeUtf8(head, whole);
  if (text === undefined) return undefined;
  // A BOM, then whitespace, may come before markup.
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (/^<\?xml/i.test(start)) return /<svg[\s>]/i.test(start) ? 'image/svg+xml' : 'application/xml';
  if (/^<svg[\s>]/i.test(start)) return 'image/svg+xml';
  if (HTML_START.test(start) || HTML_ANYWHERE.test(text)) return 'text/html';
  return extensionOf(name) === 'csv' ? 'text/csv' : 'text/plain';
}

/** Strict UTF-8, allowing a sequence cut off by the end of the sniffed bytes when the file goes on. */
function decodeUtf8(head: Uint8Array, whole: boolean): string | undefined {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let cut = 0; cut <= (whole ? 0 : 3) && cut < head.length + 1; cut += 1) {
    try {
      return decoder.decode(head.subarray(0, head.length - cut));
    } catch {
      // try without the last bytes
    }
  }
  return undefined;
}

/**
 * The type of a file from its first bytes (`SNIFF_BYTES`, or all of a shorter file: `whole`).
 * Active content comes back as what it is (text/html, image/svg+xml, an executable type); the
 * caller decides what to accept.
 */
export function sniff(head: Uint8Array, name: string, whole = head.length < SNIFF_BYTES): Sniffed {
  for (const { bytes, type } of MAGIC) if (startsWith(head, bytes)) return type;
  if (textAt(head, 0, 4) === 'RIFF' && textAt(head, 8, 4) === 'WEBP') return 'image/webp';
  if (textAt(head, 4, 4) === 'ftyp' && head.length >= 12) return sniffFtyp(head);
  if (startsWith(head, ascii('PK\u0003\u0004'))) return sniffZip(head, name);
  if (head.length === 0) return undefined;
  return sniffText(head, name, whole);
}
