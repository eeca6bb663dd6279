/**
 * Reads a whole PDF as it streams in and finds what makes a viewer run code: the names
 * `/JavaScript`, `/JS` and `/Launch`, however their letters are escaped (`/J#61vaScript`), in the
 * file's own objects and inside compressed object streams, which it inflates (node:zlib, streaming,
 * bounded). Streams of other data (images, fonts, page content) are skipped, so their bytes cannot
 * look like a name by chance. Memory: a few dozen bytes of state, plus zlib's window per object stream.
 */
import { createInflate } from 'node:zlib';
import type { Inflate } from 'node:zlib';

/** Action names that run code: a JavaScript action (`/S /JavaScript /JS …`), a document's scripts (`/Names << /JavaScript … >>`), a program launch. */
const CODE_NAMES = new Set(['JavaScript', 'JS', 'Launch']);

/** What a reader may inflate an object stream with: ours is FlateDecode, by its full or abbreviated name (pdf.js accepts both). */
const FLATE = new Set(['FlateDecode', 'Fl']);
/** The other standard filters (ISO 32000-1 §7.4), full and abbreviated: an object stream behind one of them is not read here. */
const OTHER_FILTERS = new Set([
  'ASCIIHexDecode', 'AHx', 'ASCII85Decode', 'A85', 'LZWDecode', 'LZW', 'RunLengthDecode', 'RL',
  'CCITTFaxDecode', 'CCF', 'JBIG2Decode', 'DCTDecode', 'DCT', 'JPXDecode', 'Crypt',
]);

/** Most bytes the object streams of one PDF may inflate to; past it the file cannot be checked. */
export const MAX_INFLATED_BYTES = 32 * 1024 * 1024;

export type PdfFinding =
  /** A name that runs code; `compressed`: found inside an object stream (`at` is that stream's start). */
  | { kind: 'code'; name: string; at: number; compressed: boolean }
  /** Something that could hide such a name from this scan, so the file cannot be vouched for. */
  | { kind: 'unverifiable'; reason: string; at: number };

const WHITESPACE = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const DELIMITERS = new Set([...'()<>[]{}/%'].map((char) => char.charCodeAt(0)));
const GT = 0x3e;
const SLASH = 0x2f;
const CR = 0x0d;
const LF = 0x0a;

/**
 * An object header where stream data should be: a reader that finds objects by their offsets
 * (the xref table) would read it as an object, so its contents are scanned like the file's own.
 */
const OBJECT_HEADER = /\d[\0\t\n\f\r ]+\d+[\0\t\n\f\r ]+obj/;
/** Stream data kept from the end of a chunk, to find a match split across two chunks. */
const RECENT = 32;
/** How far into a chunk a match that began in the previous one may reach. */
const SEAM = 64;

/** A name's bytes with `#xx` escapes decoded (PDF 1.2 §7.3.5), as Latin-1 text. */
function decodeName(raw: string): string {
  return raw.replace(/#([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

type Report = (finding: PdfFinding) => void;

/** What a stream's data is to this scan. */
type StreamData = { kind: 'skip' } | { kind: 'inflate'; inflation: Inflation };

/** One object stream being inflated into a lexer of its own. */
class Inflation {
  readonly done: Promise<void>;
  private readonly inflater: Inflate;

  constructor(at: number, report: Report, budget: { left: number }) {
    const lexer = new PdfLexer((finding) => report(finding.kind === 'code' ? { ...finding, at, compressed: true } : finding), { at, nested: true });
    this.inflater = createInflate();
    this.inflater.on('data', (data: Buffer) => {
      budget.left -= data.length;
      if (budget.left < 0) {
        report({ kind: 'unverifiable', reason: `its object streams inflate to more than ${MAX_INFLATED_BYTES} bytes`, at });
        this.inflater.destroy();
        return;
      }
      lexer.write(data);
    });
    this.done = new Promise((resolve) => {
      this.inflater.on('error', () => {
        report({ kind: 'unverifiable', reason: 'an object stream could not be inflated (damaged or encrypted)', at });
        resolve();
      });
      this.inflater.on('end', () => {
        // A name at the very end of the inflated objects still counts.
        lexer.end();
        resolve();
      });
      this.inflater.on('close', () => resolve());
    });
  }

  write(data: Uint8Array): Promise<void> {
    if (this.inflater.destroyed || data.length === 0) return Promise.resolve();
    // Bytes after the end of the zlib data (the line end before `endstream`) are ignored by zlib.
    // A failing inflater may never call back: its end (`done`) settles the write too.
    return Promise.race([new Promise<void>((resolve) => this.inflater.write(data, () => resolve())), this.done]);
  }

  end(): Promise<void> {
    if (!this.inflater.destroyed) this.inflater.end();
    return this.done;
  }
}

/** Work for after a chunk's bytes were lexed: bytes for an inflater, or its end. */
type Step = { inflation: Inflation; data: Uint8Array } | { inflation: Inflation; end: true };

/** The PDF tokenizer, byte by byte, as far as names, `obj`, `>>` and `stream … endstream` go. */
class PdfLexer {
  private name: string | undefined;
  private word = '';
  private previous = '';
  private afterGt = false;
  /** Names since the last `obj`: what the next stream's dictionary said. */
  private names = new Set<string>();
  private stream: StreamData | undefined;
  private skipLf = false;
  /** The last bytes of stream data, as Latin-1: where `endstream` or an object header shows. */
  private recent = '';
  private offset = 0;
  /** Inflated bytes the file's object streams may still produce. */
  private readonly budget = { left: MAX_INFLATED_BYTES };

  constructor(
    private readonly report: Report,
    private readonly options: { at: number; nested: boolean },
  ) {}

  /** Lexes `chunk`; returns the inflaters' work for it, in order. */
  write(chunk: Uint8Array): Step[] {
    const steps: Step[] = [];
    let dataStart = 0;
    let text: string | undefined;
    for (let index = 0; index < chunk.length; index += 1) {
      const byte = chunk[index] ?? 0;
      if (this.stream === undefined) {
        this.token(byte);
        if (this.stream !== undefined) dataStart = index + 1;
        continue;
      }
      if (this.skipLf) {
        this.skipLf = false;
        if (byte === LF) {
          dataStart = index + 1;
          continue;
        }
      }
      // Stream data is searched, not lexed: for `endstream`, and in skipped data for an object header.
      // Positions are in the window `recent + text.slice(index)`, which is never built: the chunk is
      // decoded once and searched from `index`, so many small streams in one chunk cost one pass.
      text ??= Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).toString('latin1');
      const { end, header } = this.search(text, index);
      const endAt = end === -1 ? Infinity : end + 'endstream'.length;
      const headerAt = header === undefined ? Infinity : header.at + header.length;
      if (endAt === Infinity && headerAt === Infinity) {
        this.recent = text.length - index >= RECENT ? text.slice(-RECENT) : (this.recent + text.slice(index)).slice(-RECENT);
        break;
      }
      // The chunk index just past the match (`window` starts with the `recent` bytes of earlier chunks).
      const next = Math.max(index, index + Math.min(endAt, headerAt) - this.recent.length);
      if (endAt <= headerAt) {
        if (this.stream.kind === 'inflate') steps.push({ inflation: this.stream.inflation, data: chunk.subarray(dataStart, next) }, { inflation: this.stream.inflation, end: true });
        this.leaveStream('endstream');
      } else {
        this.leaveStream('');
        this.word = 'obj';
      }
      index = next - 1;
    }
    if (this.stream?.kind === 'inflate') steps.push({ inflation: this.stream.inflation, data: chunk.subarray(dataStart) });
    this.offset += chunk.length;
    return steps;
  }

  /**
   * The first `endstream` and (in skipped data) object header in `recent + text.slice(from)`, as
   * positions in that window: a match that begins in `recent` is found in the seam (the tail of the
   * previous chunk and the start of this one), any other by searching `text` itself from `from`.
   */
  private search(text: string, from: number): { end: number; header: { at: number; length: number } | undefined } {
    const { recent } = this;
    const seam = recent + text.slice(from, from + SEAM);
    const toWindow = (position: number) => recent.length + position - from;
    const seamEnd = seam.indexOf('endstream');
    const inText = text.indexOf('endstream', from);
    const end = seamEnd !== -1 && seamEnd < recent.length ? seamEnd : inText === -1 ? -1 : toWindow(inText);
    if (this.stream?.kind !== 'skip') return { end, header: undefined };
    const seamHeader = OBJECT_HEADER.exec(seam);
    if (seamHeader !== null && seamHeader.index < recent.length) return { end, header: { at: seamHeader.index, length: seamHeader[0].length } };
    // Only a header that ends before `endstream` does matters: the search stops there, so each
    // stream's data is searched once however many streams a chunk holds.
    const header = OBJECT_HEADER.exec(inText === -1 ? text.slice(from) : text.slice(from, inText + 'endstream'.length));
    return { end, header: header === null ? undefined : { at: recent.length + header.index, length: header[0].length } };
  }

  /** The file has ended: a name or word at its very end still counts. */
  end(): Step[] {
    this.finishName();
    this.finishWord();
    const open = this.stream?.kind === 'inflate' ? [{ inflation: this.stream.inflation, end: true as const }] : [];
    this.stream = undefined;
    return open;
  }

  private leaveStream(word: string) {
    this.stream = undefined;
    this.recent = '';
    this.previous = word;
  }

  private token(byte: number) {
    if (this.name !== undefined) {
      if (!WHITESPACE.has(byte) && !DELIMITERS.has(byte)) {
        if (this.name.length < 256) this.name += String.fromCharCode(byte);
        return;
      }
      this.finishName();
    }
    if (WHITESPACE.has(byte)) {
      this.finishWord(byte);
      this.afterGt = false;
    } else if (byte === SLASH) {
      this.finishWord();
      this.afterGt = false;
      this.name = '';
    } else if (byte === GT) {
      this.finishWord();
      if (this.afterGt) this.previous = '>>';
      this.afterGt = !this.afterGt;
    } else if (DELIMITERS.has(byte)) {
      this.finishWord();
      this.afterGt = false;
      this.previous = String.fromCharCode(byte);
    } else {
      this.afterGt = false;
      if (this.word.length < 16) this.word += String.fromCharCode(byte);
    }
  }

  private finishName() {
    if (this.name === undefined) return;
    const name = decodeName(this.name);
    this.name = undefined;
    if (this.names.size < 256) this.names.add(name);
    this.previous = `/${name}`;
    if (CODE_NAMES.has(name)) this.report({ kind: 'code', name: `/${name}`, at: this.options.at + this.offset, compressed: false });
  }

  private finishWord(terminator?: number) {
    const word = this.word;
    if (word === '') return;
    this.word = '';
    if (word === 'obj') this.names = new Set();
    if (word === 'stream' && this.previous === '>>') this.enterStream(terminator);
    this.previous = word;
  }

  /** `stream` after a dictionary: its data follows the line end (CR LF or LF). */
  private enterStream(terminator: number | undefined) {
    this.skipLf = terminator === CR;
    this.recent = '';
    const names = this.names;
    this.names = new Set();
    // A reader takes a stream for an object stream by its type, or by the two keys it needs to read one.
    if (!(names.has('ObjStm') || (names.has('N') && names.has('First')))) {
      this.stream = { kind: 'skip' };
      return;
    }
    // Without a filter its objects are plain text: read on as the file's own.
    if (!names.has('Filter')) return;
    const at = this.options.at + this.offset;
    const flate = [...names].some((name) => FLATE.has(name));
    const other = [...names].some((name) => OTHER_FILTERS.has(name));
    const problem = this.options.nested
      ? 'it has an object stream inside an object stream'
      : names.has('DecodeParms') || names.has('DP')
        ? 'an object stream has decoding parameters (a predictor) this relay does not apply'
        : other || !flate
          ? 'an object stream is compressed with a filter other than FlateDecode'
          : undefined;
    if (problem !== undefined) {
      this.report({ kind: 'unverifiable', reason: problem, at });
      this.stream = { kind: 'skip' };
      return;
    }
    this.stream = { kind: 'inflate', inflation: new Inflation(at, this.report, this.budget) };
  }
}

/** Scans a PDF chunk by chunk; `finding` is the first problem seen. */
export class PdfScan {
  finding: PdfFinding | undefined;
  private readonly lexer = new PdfLexer((finding) => {
    this.finding ??= finding;
  }, { at: 0, nested: false });

  async write(chunk: Uint8Array): Promise<void> {
    if (this.finding !== undefined) return;
    await run(this.lexer.write(chunk));
  }

  async end(): Promise<void> {
    if (this.finding !== undefined) return;
    await run(this.lexer.end());
  }
}

async function run(steps: Step[]): Promise<void> {
  for (const step of steps) {
    if ('end' in step) await step.inflation.end();
    else await step.inflation.write(step.data);
  }
}
