/**
 * The clean-text rules (README "Clean text") restated one code point at a time, independently of
 * src/shared/clean-text.ts and its regular expressions: the oracle the property, integration and
 * end-to-end tests compare with.
 */

/** C0 controls but NUL, tab and line breaks; DEL; C1 controls but NEL. */
export const isJunk = (cp: number) => (cp >= 0x01 && cp <= 0x08) || (cp >= 0x0e && cp <= 0x1f) || (cp >= 0x7f && cp <= 0x9f && cp !== 0x85);
/** LF, VT, FF, CR, NEL, LS, PS. */
export const LINE_BREAKS = new Set([0x0a, 0x0b, 0x0c, 0x0d, 0x85, 0x2028, 0x2029]);
/** LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI. */
export const isBidiControl = (cp: number) => (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);

/** Code points; a lone surrogate is one of its own. */
export const codePoints = (text: string) => Array.from(text, (char) => char.codePointAt(0) ?? 0);

/** NUL or a lone surrogate: refused with `invalid_text`. */
export const isRefused = (text: string) => codePoints(text).some((cp) => cp === 0 || (cp >= 0xd800 && cp <= 0xdfff));

/** Junk (and in a single line, bidi controls) out, then line breaks (CR LF as one) and tabs, then NFC; not trimmed. */
export function expectedClean(text: string, { multiline }: { multiline: boolean }): string {
  const removed = (cp: number) => isJunk(cp) || (!multiline && isBidiControl(cp));
  const kept = Array.from(text).filter((char) => !removed(char.codePointAt(0) ?? 0));
  let out = '';
  for (let i = 0; i < kept.length; i++) {
    const cp = kept[i]?.codePointAt(0) ?? 0;
    if (cp === 0x0d && kept[i + 1] === '\n') i++;
    if (LINE_BREAKS.has(cp)) out += multiline ? '\n' : ' ';
    else if (cp === 0x09) out += multiline ? '\t' : ' ';
    else out += kept[i];
  }
  return out.normalize('NFC');
}
