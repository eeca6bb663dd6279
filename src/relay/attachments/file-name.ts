/** Makes a visitor's file name safe to store, show and put in a URL, with an extension that matches the real type. */
import { extensionOf, MEDIA_TYPES } from './media-types';
import type { KnownType } from './media-types';

/** The longest name kept, in characters (the extension survives the cut). */
export const MAX_NAME_LENGTH = 200;

/**
 * Controls (C0, DEL, C1), path separators, and the bidirectional marks, overrides and isolates that
 * can make `photo\u202Egpj.exe` read as `photoexe.jpg`.
 */
const isUnsafe = (char: string) => {
  const code = char.codePointAt(0) ?? 0;
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    char === '/' ||
    char === '\\' ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
};

/**
 * Lone UTF-16 surrogates (JSON and the multipart parser allow them) become U+FFFD, so the name is
 * well-formed text: `encodeURIComponent` throws on a lone surrogate, and file links encode the
 * name. (`String.prototype.toWellFormed`, which does this, is ES2024; the relay targets ES2023.)
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The base name only (anything up to the last `/` or `\` goes), without unsafe characters, at
 * most MAX_NAME_LENGTH characters, and ending in the sniffed type's extension: a JPEG named
 * `photo.exe` becomes `photo.jpg`, one named `photo` becomes `photo.jpg`. A name left empty
 * becomes `file.<ext>`. Lone surrogates become U+FFFD.
 */
export function safeFileName(visitorName: string, type: KnownType): string {
  const name = visitorName.replace(LONE_SURROGATE, '\uFFFD');
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const cleaned = [...base.normalize('NFC')].filter((char) => !isUnsafe(char)).join('').trim().replace(/^\.+/, '');
  const extensions: readonly string[] = MEDIA_TYPES[type].extensions;
  const extension = extensionOf(cleaned);
  const stem = extension === '' ? cleaned : cleaned.slice(0, -(extension.length + 1));
  const suffix = `.${extensions.includes(extension) ? cleaned.slice(-extension.length) : extensions[0]}`;
  const shortStem = [...(stem.trim() || 'file')].slice(0, MAX_NAME_LENGTH - suffix.length).join('');
  return `${shortStem}${suffix}`;
}
