/**
 * Decides a file's type from what was found in its bytes, never from its name or the browser's
 * claim: `file-type`'s answer for binary formats (detect-binary.ts), and for text the way it starts
 * and the whole-file scan (scan-text.ts). The name only tells CSV from plain text. Pure.
 */
import type { Detected } from './detect-binary';
import { extensionOf, knownTypeOf } from './media-types';
import type { KnownType } from './media-types';
import type { NotTextReason, TextFindings } from './scan-text';

/** How many leading bytes the text rules read at the start of a file (all of a shorter file). */
export const SNIFF_BYTES = 4096;

/** What the checks found in one file. */
export interface Evidence {
  /** The first `SNIFF_BYTES` (the whole file when shorter); `undefined` until they have all arrived. */
  head: Uint8Array | undefined;
  /** The name the visitor gave. */
  name: string;
  /** `file-type`'s answer. */
  detected: Detected;
  /** The text scan's findings so far (the whole file, once it has ended). */
  text: TextFindings;
}

export type Sniffed =
  /** A type the relay knows; `markup` when text became HTML by markup found in it. */
  | { type: KnownType; markup?: { marker: string; at: number } }
  /** Not a type the relay knows: `file-type`'s answer, if any, and where text stopped being text. */
  | { type: undefined; detected: Detected; notText?: { at: number; reason: NotTextReason } };

// What marks text as HTML at its start: the WHATWG MIME sniffing tags (mimesniff §7.1).
const HTML_START = /^<(!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--)[\t\n\f\r >]/i;

/** What text is by how it starts: HTML, SVG, XML, a script, or else plain text (CSV when the name says so). */
function textType(head: Uint8Array, name: string): KnownType {
  // Latin-1 keeps one character per byte; every rule here is ASCII.
  const start = Buffer.from(head.buffer, head.byteOffset, head.length).toString('latin1').replace(/^\xEF\xBB\xBF/, '').trimStart();
  if (start.startsWith('#!')) return 'text/x-shellscript';
  if (/^<\?xml/i.test(start)) return /<svg[\t\n\f\r >]/i.test(start) ? 'image/svg+xml' : 'application/xml';
  if (/^<svg[\t\n\f\r >]/i.test(start)) return 'image/svg+xml';
  if (HTML_START.test(start)) return 'text/html';
  return extensionOf(name) === 'csv' ? 'text/csv' : 'text/plain';
}

/**
 * The type of a file, or `undefined` while the evidence cannot decide yet (`whole`: the file has
 * ended, and everything is decided; `head` is then set). Every answer given before the end is the one the end would
 * give, so a refusal can come early without depending on how the upload was chunked.
 */
export function sniff({ head, name, detected, text }: Evidence, whole: boolean): Sniffed | undefined {
  const known = detected === undefined ? undefined : knownTypeOf(detected.mime);
  if (known !== undefined) return { type: known };
  // Not a binary format the relay knows: it must be text, from its first byte to its last.
  const { notText, markup } = text;
  if (notText !== undefined && notText.at < SNIFF_BYTES) return { type: undefined, detected, notText };
  if (head === undefined) return undefined;
  const start = textType(head, name);
  if (start !== 'text/plain' && start !== 'text/csv') return { type: start };
  if (markup !== undefined) return { type: 'text/html', markup };
  if (notText !== undefined) return { type: undefined, detected, notText };
  return whole ? { type: start } : undefined;
}
