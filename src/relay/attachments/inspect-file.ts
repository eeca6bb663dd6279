/**
 * The stream an upload's bytes pass through on their way to storage. Every byte is read by the
 * checks (file-type for binary formats, the text scan, the PDF scan), which run alongside the
 * write: only the first 4 KB are held back (until the type is known enough to strip location data
 * from a JPEG), and each chunk waits for the checks, so memory stays flat whatever the size.
 */
import { Transform } from 'node:stream';
import { detectBinary } from './detect-binary';
import type { Detected } from './detect-binary';
import { extensionOf, isActiveType, OFFICE_BY_EXTENSION } from './media-types';
import type { KnownType } from './media-types';
import { PdfScan } from './scan-pdf';
import type { PdfFinding } from './scan-pdf';
import { TextScan } from './scan-text';
import { sniff, SNIFF_BYTES } from './sniff';
import type { Sniffed } from './sniff';
import { GpsStripper } from './strip-gps';
import { fail, ok } from '../../shared/result';
import type { Result } from '../../shared/result';

/** RELAY_ATTACHMENT_PDF_SCRIPTS: what happens to a PDF that runs code, or whose objects cannot be checked. */
export type PdfScripts = 'refuse' | 'allow';

/** What the operator accepts (config.ts builds it from RELAY_ATTACHMENT_*). */
export interface TypeRules {
  /** Every type accepted, wildcards expanded (media-types.ts `expandTypes`). */
  accepted: readonly string[];
  /** RELAY_ATTACHMENT_ALLOW_ACTIVE: active types may be accepted when listed by name. */
  allowActive: boolean;
  /** RELAY_ATTACHMENT_KEEP_GPS. */
  keepGps: boolean;
  /** RELAY_ATTACHMENT_PDF_SCRIPTS. */
  pdfScripts: PdfScripts;
}

/** Why a file is refused for its content; the message names what was found, for integrators. */
export class FileRefused extends Error {
  override readonly name = 'FileRefused';
}

const OOXML = 'application/vnd.openxmlformats-officedocument';
const ODF = 'application/vnd.oasis.opendocument';

const DESCRIPTIONS: Partial<Record<KnownType, string>> = {
  'text/html': 'an HTML document',
  'image/svg+xml': 'an SVG image, which can carry script',
  'application/xml': 'an XML document',
  'application/vnd.microsoft.portable-executable': 'a Windows program',
  'application/x-executable': 'a Linux program',
  'application/x-mach-binary': 'a macOS program',
  'text/x-shellscript': 'a script',
  'application/zip': 'a ZIP archive',
  [`${OOXML}.wordprocessingml.document`]: 'a Word document',
  [`${OOXML}.spreadsheetml.sheet`]: 'an Excel workbook',
  [`${OOXML}.presentationml.presentation`]: 'a PowerPoint presentation',
  [`${ODF}.text`]: 'an OpenDocument text',
  [`${ODF}.spreadsheet`]: 'an OpenDocument spreadsheet',
  [`${ODF}.presentation`]: 'an OpenDocument presentation',
};

const describe = (type: KnownType) => DESCRIPTIONS[type] ?? `of type ${type}`;

/** What `file-type` found that the relay does not know, in words. */
function describeDetected({ mime, ext }: NonNullable<Detected>): string {
  if (mime === 'application/x-cfb') return 'an older Office document (.doc, .xls, .ppt) or another Compound File';
  if (mime.includes('macroenabled')) return `a macro-enabled Office document (.${ext})`;
  return `of type ${mime} (.${ext})`;
}

/** The file's type, or the message refusing it. */
type Judged = Result<KnownType, string>;

/** Whether the operator accepts `type`; `described` names what was found in the refusal. */
export function judgeType(type: KnownType | undefined, rules: TypeRules, described = type && describe(type)): Judged {
  if (type === undefined) return fail('The file is not of a kind this relay recognises.');
  if (isActiveType(type) && !rules.allowActive) return fail(`The file is ${described}; active content is not accepted.`);
  if (!rules.accepted.includes(type)) return fail(`The file is ${described}, which this relay does not accept.`);
  return ok(type);
}

/**
 * The verdict on a file: its type must be accepted; a file named as an office format must be that
 * format (a renamed ZIP, or a workbook named .docx, is refused); a PDF must not run code while
 * RELAY_ATTACHMENT_PDF_SCRIPTS is `refuse`.
 */
export function judgeFile(sniffed: Sniffed, name: string, pdf: PdfFinding | undefined, rules: TypeRules): Judged {
  const { type } = sniffed;
  if (type === undefined) {
    if (sniffed.notText?.reason === 'utf16') return fail('The file is UTF-16 text; this relay accepts text in UTF-8 only.');
    if (sniffed.detected !== undefined) return fail(`The file is ${describeDetected(sniffed.detected)}, which this relay does not accept.`);
    const why = sniffed.notText?.reason === 'utf8' ? 'text that is not valid UTF-8' : 'binary data';
    return fail(`The file is not of a kind this relay recognises (${why} at byte ${sniffed.notText?.at ?? 0}).`);
  }
  const markup = 'markup' in sniffed ? sniffed.markup : undefined;
  const judged = judgeType(type, rules, markup === undefined ? describe(type) : `text with HTML markup (${markup.marker} at byte ${markup.at})`);
  if (!judged.ok) return judged;
  const extension = extensionOf(name);
  const claimed = OFFICE_BY_EXTENSION[extension];
  if (claimed !== undefined && claimed !== type) return fail(`The file is named as ${describe(claimed)} (.${extension}) but is ${describe(type)}.`);
  if (type === 'application/pdf' && pdf !== undefined && rules.pdfScripts === 'refuse') {
    return fail(
      pdf.kind === 'code'
        ? `The file is a PDF that runs code (${pdf.name}${pdf.compressed ? ' in a compressed object stream' : ''}); PDFs with scripts are not accepted.`
        : `The file is a PDF that cannot be checked for scripts: ${pdf.reason}.`,
    );
  }
  return judged;
}

export interface Inspection {
  /** Pipe the file through it; it fails with `FileRefused` as soon as the checks refuse the file. */
  stream: Transform;
  /** Once the stream has ended: the type found and the bytes that passed. */
  result(): { type: KnownType; size: number };
}

const PDF_MAGIC = Buffer.from('%PDF');

/**
 * Creates the inspecting stream for a file named `name` (the name tells CSV from text, and must
 * match an office document's format). `onGpsGiveUp` hears why a JPEG kept its location data.
 */
export function inspectFile(name: string, rules: TypeRules, onGpsGiveUp: (reason: string) => void): Inspection {
  const detection = detectBinary();
  const text = new TextScan();
  let pdf: PdfScan | undefined;
  let pdfDecided = rules.pdfScripts === 'allow';
  const held: Buffer[] = [];
  let heldBytes = 0;
  let head: Buffer | undefined;
  let type: KnownType | undefined;
  let stripper: GpsStripper | undefined;
  let size = 0;

  /** The refusal, if the evidence so far decides one; at the end (`whole`), sets the type. */
  const verdict = (whole: boolean): FileRefused | undefined => {
    if (!detection.settled) return undefined;
    const sniffed = sniff({ head, name, detected: detection.detected, text: text.findings }, whole);
    if (sniffed === undefined) return undefined;
    const judged = judgeFile(sniffed, name, pdf?.finding, rules);
    if (!judged.ok) return new FileRefused(judged.error);
    if (whole) type = judged.value;
    return undefined;
  };
  /** Feeds a chunk to every check, in order. */
  const check = async (chunk: Buffer) => {
    if (!detection.settled) await detection.feed(chunk);
    text.write(chunk);
    if (!pdfDecided && size >= PDF_MAGIC.length) {
      // The PDF scan starts at the first byte: it gets the bytes held so far.
      pdfDecided = true;
      const start = Buffer.concat([...held, chunk]);
      if (start.subarray(0, PDF_MAGIC.length).equals(PDF_MAGIC)) {
        pdf = new PdfScan();
        await pdf.write(start);
        return;
      }
    }
    await pdf?.write(chunk);
  };
  const emit = (stream: Transform, chunks: Buffer[]) => {
    for (const chunk of stripper === undefined ? chunks : chunks.flatMap((one) => stripper?.write(one) ?? [])) stream.push(chunk);
  };
  /** Once the first bytes are judged: JPEGs get the stripper, and what was held goes on. */
  const release = (stream: Transform) => {
    if (detection.detected?.mime === 'image/jpeg' && !rules.keepGps) stripper = new GpsStripper(onGpsGiveUp);
    emit(stream, held.splice(0));
  };

  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      check(chunk).then(() => {
        const holding = head === undefined;
        if (holding) {
          held.push(chunk);
          heldBytes += chunk.length;
          // Exactly the first SNIFF_BYTES, however the network split them.
          if (heldBytes >= SNIFF_BYTES) head = Buffer.concat(held, heldBytes).subarray(0, SNIFF_BYTES);
        }
        const refused = verdict(false);
        if (refused) return done(refused);
        if (!holding) emit(this, [chunk]);
        else if (head !== undefined) release(this);
        done();
      }, done);
    },
    flush(done) {
      if (size === 0) return done(new FileRefused('The file is empty.'));
      (async () => {
        if (!detection.settled) await detection.feed(null);
        await detection.result;
        text.end();
        await pdf?.end();
        // A short file: its first bytes are all of it, still held.
        const short = head === undefined;
        head ??= Buffer.concat(held, heldBytes);
        const refused = verdict(true);
        if (refused) return done(refused);
        if (short) release(this);
        for (const chunk of stripper?.end() ?? []) this.push(chunk);
        done();
      })().catch(done);
    },
  });

  return {
    stream,
    result: () => {
      if (type === undefined) throw new Error('inspectFile: result() before the stream ended');
      return { type, size };
    },
  };
}
