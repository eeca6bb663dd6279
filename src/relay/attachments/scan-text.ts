/**
 * Reads a whole file as it streams in and says whether it is text (strict UTF-8 without binary
 * control bytes) and where it first carries markup that a browser would run or render. Every rule
 * reads bytes (all markers are ASCII, which never occurs inside a UTF-8 sequence), case-insensitive,
 * the same however the file is chunked; memory is a few dozen bytes of overlap.
 */

/** The first problem in the file, by byte offset. */
export type TextFinding =
  | { kind: 'markup'; marker: string; at: number }
  | { kind: 'not_text'; at: number; reason: NotTextReason };

/** Why bytes are not text: a binary control byte, no longer strict UTF-8, or a UTF-16 byte order mark at the start. */
export type NotTextReason = 'binary' | 'utf8' | 'utf16';

/** The same, as what sniff.ts reads: at most one is set. */
export interface TextFindings {
  /** The first marker of markup, and its offset. */
  markup?: { marker: string; at: number };
  /** Where the bytes stop being text, and why. */
  notText?: { at: number; reason: NotTextReason };
}

/**
 * Elements that run script, load other content or make a page (`<` then the name, then
 * whitespace, `/` or `>`): "a < b", "<3" and "<Kari>" stay prose.
 */
const ELEMENTS = [
  '!doctype', 'html', 'head', 'body', 'script', 'noscript', 'style', 'link', 'meta', 'base', 'iframe', 'frame', 'frameset',
  'object', 'embed', 'applet', 'portal', 'svg', 'math', 'form', 'input', 'button', 'textarea', 'select', 'img', 'image',
  'video', 'audio', 'source', 'details', 'marquee', 'template', 'xmp', 'plaintext', 'isindex',
];
/** HTML's whitespace: where a tag name ends (U+00A0 and other spaces do not end it). */
const SPACE = '\\t\\n\\f\\r ';
const TAG = new RegExp(`<(${ELEMENTS.join('|')})(?=[${SPACE}/>])`);
const TAG_AT_END = new RegExp(`<(${ELEMENTS.join('|')})$`);
/** URL parsers drop tab, CR and LF anywhere in a URL, so `java<TAB>script:` is still the scheme. */
const scheme = (word: string) => [...word].join('[\\t\\n\\r]*');
/** A `javascript:` or `vbscript:` URL where one is used: an attribute value, a Markdown link, a CSS url(). */
const SCRIPT_URL = new RegExp(`(=|\\]\\(|url\\()[${SPACE}]{0,16}["']?[${SPACE}]{0,16}(${scheme('javascript')}|${scheme('vbscript')}):`);
/** An XML style sheet makes a browser run XSLT. */
const XML_STYLESHEET = /<\?xml-stylesheet/;
/** Longer than any match of the rules above (each is bounded), so a match cut by a chunk boundary is seen whole. */
const OVERLAP = 96;

/** mimesniff §7.2's binary data bytes: controls other than tab, line feed, form feed, carriage return and escape. */
export const isBinaryByte = (byte: number) => byte <= 0x08 || byte === 0x0b || (byte >= 0x0e && byte <= 0x1a) || (byte >= 0x1c && byte <= 0x1f);

const isLetter = (byte: number) => (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7a;
const isSpace = (byte: number) => byte === 0x09 || byte === 0x0a || byte === 0x0c || byte === 0x0d || byte === 0x20;

/**
 * An event handler attribute (`onerror=`, `onclick =`) inside a tag-like run: `<` and a letter,
 * up to a `>` outside quotes. Follows the HTML tokenizer closely enough that quoted values
 * (`title=">"`) neither end the tag nor hide what follows them.
 */
class HandlerFinder {
  private inTag = false;
  private afterLt = false;
  /** Inside a quoted attribute value: its quote byte. */
  private quote = 0;
  /** Just after `=`, before the value. */
  private valueNext = false;
  /** 0 idle, 1 at an attribute's start, 2 "o", 3 "on", 4 "on" and letters, 5 spaces after the name. */
  private step = 0;
  private name = '';

  /** The handler's name (`onerror`) when `byte` completes one. */
  next(byte: number): string | undefined {
    if (!this.inTag) {
      if (this.afterLt && isLetter(byte)) this.enter();
      this.afterLt = byte === 0x3c;
      return undefined;
    }
    if (this.quote !== 0) {
      if (byte === this.quote) {
        this.quote = 0;
        this.step = 1;
      }
      return undefined;
    }
    if (this.valueNext) {
      if (isSpace(byte)) return undefined;
      this.valueNext = false;
      if (byte === 0x22 || byte === 0x27) {
        this.quote = byte;
        return undefined;
      }
    }
    if (byte === 0x3e || byte === 0x3c) {
      this.inTag = false;
      this.afterLt = byte === 0x3c;
      return undefined;
    }
    return this.attribute(byte);
  }

  private enter() {
    this.inTag = true;
    this.quote = 0;
    this.valueNext = false;
    this.step = 0;
  }

  private attribute(byte: number): string | undefined {
    const lower = byte | 0x20;
    if (byte === 0x3d) {
      const found = this.step === 4 || this.step === 5 ? this.name : undefined;
      this.valueNext = true;
      this.step = 0;
      return found;
    }
    if (isSpace(byte)) {
      this.step = this.step === 4 || this.step === 5 ? 5 : 1;
      return undefined;
    }
    if (byte === 0x2f) {
      this.step = 1;
      return undefined;
    }
    if ((this.step === 1 || this.step === 5) && lower === 0x6f) {
      this.step = 2;
      this.name = 'o';
    } else if (this.step === 2 && lower === 0x6e) {
      this.step = 3;
      this.name = 'on';
    } else if ((this.step === 3 || this.step === 4) && isLetter(byte)) {
      this.step = 4;
      if (this.name.length < 32) this.name += String.fromCharCode(lower);
    } else {
      this.step = 0;
    }
    return undefined;
  }
}

/** Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF), one byte at a time. */
class Utf8Check {
  private need = 0;
  private lower = 0x80;
  private upper = 0xbf;

  /** False when `byte` cannot come next. */
  next(byte: number): boolean {
    if (this.need > 0) {
      if (byte < this.lower || byte > this.upper) return false;
      this.need -= 1;
      this.lower = 0x80;
      this.upper = 0xbf;
      return true;
    }
    if (byte < 0x80) return true;
    if (byte >= 0xc2 && byte <= 0xdf) this.need = 1;
    else if (byte >= 0xe0 && byte <= 0xef) {
      this.need = 2;
      if (byte === 0xe0) this.lower = 0xa0;
      if (byte === 0xed) this.upper = 0x9f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      this.need = 3;
      if (byte === 0xf0) this.lower = 0x90;
      if (byte === 0xf4) this.upper = 0x8f;
    } else return false;
    return true;
  }

  /** Whether the bytes so far end on a whole character. */
  get complete(): boolean {
    return this.need === 0;
  }
}

/** Scans a file chunk by chunk; `finding` is its first problem, once one is seen (nothing more is read then). */
export class TextScan {
  finding: TextFinding | undefined;

  get findings(): TextFindings {
    const found = this.finding;
    if (found === undefined) return {};
    return found.kind === 'markup' ? { markup: { marker: found.marker, at: found.at } } : { notText: { at: found.at, reason: found.reason } };
  }

  private offset = 0;
  /** The last bytes of the previous chunks, as Latin-1 lower case (one character per byte). */
  private tail = '';
  private readonly handlers = new HandlerFinder();
  private readonly utf8 = new Utf8Check();

  write(chunk: Uint8Array): void {
    if (this.finding !== undefined) return;
    let good = 0;
    let handler: { name: string; at: number } | undefined;
    for (; good < chunk.length; good += 1) {
      const byte = chunk[good] ?? 0;
      if (isBinaryByte(byte)) {
        this.finding = { kind: 'not_text', at: this.offset + good, reason: 'binary' };
        break;
      }
      if (!this.utf8.next(byte)) {
        // FF or FE can never start UTF-8: at the very start they are UTF-16's byte order mark (Windows Notepad's "Unicode").
        const utf16 = this.offset + good === 0 && (byte === 0xff || byte === 0xfe);
        this.finding = { kind: 'not_text', at: this.offset + good, reason: utf16 ? 'utf16' : 'utf8' };
        break;
      }
      const name = handler === undefined ? this.handlers.next(byte) : undefined;
      if (name !== undefined) handler = { name, at: this.offset + good };
    }
    const markup = this.markupIn(chunk.subarray(0, good));
    const earliest = [markup, handler && { kind: 'markup' as const, marker: `${handler.name}=`, at: handler.at }]
      .filter((found) => found !== undefined)
      .sort((a, b) => a.at - b.at)[0];
    if (earliest !== undefined && (this.finding === undefined || earliest.at < this.finding.at)) this.finding = earliest;
    this.offset += chunk.length;
  }

  /** The file has ended: a character cut off at its end makes it not text; a tag name at its very end counts. */
  end(): void {
    if (this.finding !== undefined) return;
    const atEnd = TAG_AT_END.exec(this.tail);
    if (atEnd !== null) this.finding = { kind: 'markup', marker: `<${atEnd[1]}`, at: this.offset - atEnd[0].length };
    else if (!this.utf8.complete) this.finding = { kind: 'not_text', at: this.offset, reason: 'utf8' };
  }

  private markupIn(bytes: Uint8Array): TextFinding | undefined {
    const start = this.offset - this.tail.length;
    const window = this.tail + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1').toLowerCase();
    this.tail = window.slice(-OVERLAP);
    let first: TextFinding | undefined;
    for (const rule of [TAG, SCRIPT_URL, XML_STYLESHEET]) {
      const match = rule.exec(window);
      if (match === null) continue;
      const marker = rule === TAG ? `<${match[1]}` : rule === SCRIPT_URL ? `${(match[2] ?? '').replace(/[\t\n\r]/g, '')}:` : '<?xml-stylesheet';
      const found: TextFinding = { kind: 'markup', marker, at: start + match.index };
      if (first === undefined || found.at < first.at) first = found;
    }
    return first;
  }
}
