/**
 * Clean text: the one rule by which widget and relay turn what a visitor typed into what
 * Socialboards receives. Each rule and its reason are listed in README's "Clean text".
 *
 * A single-line field (title, name, email, phone, one-line custom fields) and a multi-line field
 * (message, multiline custom fields) differ only in what they do with tabs, line breaks and bidi
 * controls. Everything not named here arrives exactly as typed.
 */
import * as v from 'valibot';

/**
 * What only a forged request can hold, so it is refused rather than repaired: NUL (no keyboard or
 * clipboard gives one, and C strings and databases end or refuse text at it) and half of a
 * surrogate pair (no UTF-8 spelling exists; with the `u` flag a whole pair is one code point and
 * never matches).
 */
const UNSENDABLE = /[\0\uD800-\uDFFF]/u;

/**
 * Invisible junk pasted from other apps, removed: the C0 controls but NUL, tab and the line breaks
 * (ESC of terminal colours, a word processor's BEL or BS), DEL, and the C1 controls but NEL (what
 * text decoded as Latin-1 instead of Windows-1252 carries).
 */
// oxlint-disable-next-line no-control-regex -- finding control characters is the point
const JUNK = /[\x01-\x08\x0E-\x1F\x7F-\x84\x86-\x9F]/g;

/** A line break in any spelling Unicode knows (UAX #14 classes BK, CR, LF, NL); CR LF is one break. */
const LINE_BREAK = /\r\n|[\n\v\f\r\x85\u2028\u2029]/g;

/**
 * Bidi embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI). They
 * reorder what follows, so `Invoice \u202Egpj.exe` shows as `Invoice exe.jpg`. The marks LRM, RLM
 * and ALM reorder nothing and stay.
 */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/g;

/** Whether text holds nothing that only a forged request can hold (NUL, a lone surrogate). */
export const isSendable = (text: string): boolean => !UNSENDABLE.test(text);

// Removal comes before NFC: taking a control out from between a letter and its accent lets the two
// compose, so cleaning twice gives what cleaning once gave.

/**
 * A multi-line field's text: junk controls removed, every line break a LF, then NFC. Tabs and
 * bidi controls stay: they belong to tables and to right-to-left writing.
 */
export const cleanLines = (text: string): string => text.replace(JUNK, '').replace(LINE_BREAK, '\n').normalize('NFC');

/**
 * A single-line field's text: bidi controls removed too, and each line break and tab a space, so
 * the words stay apart. A space, like LF and tab, composes with nothing, so the text stays NFC.
 */
export const cleanLine = (text: string): string => cleanLines(text.replace(BIDI_CONTROL, '')).replace(/[\t\n]/g, ' ');

/** The pipe steps of a text field: refuse the unsendable (`invalid_text`), then clean. */
export const cleanText = (clean: (text: string) => string) =>
  [v.check(isSendable, 'invalid_text'), v.transform(clean)] as const;
