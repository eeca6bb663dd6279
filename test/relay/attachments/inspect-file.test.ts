import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { inspectFile } from '../../../src/relay/attachments/inspect-file';
import { DEFAULT_TYPES, expandTypes } from '../../../src/relay/attachments/media-types';
import { SNIFF_BYTES } from '../../../src/relay/attachments/sniff';
import { docm, docx, objectStreamPdf, odf, plainPdf, plainZip, pptx, scriptPdf, xlsx } from './documents';
import { RULES, verdict } from './inspect';
import { buildJpeg } from './jpeg';

const text = (length: number, fill = 'All is well. ') => Buffer.from(fill.repeat(Math.ceil(length / fill.length)).slice(0, length), 'utf8');
const CHUNKS = [1, 1024, 64 * 1024];

/** The verdicts for chunks of 1 B, 1 KB and 64 KB: one answer, however the upload arrives. */
async function verdicts(file: Buffer, name: string, rules = RULES): Promise<string[]> {
  const found = [];
  for (const chunk of CHUNKS) found.push(await verdict(file, name, { chunk, rules }));
  return found;
}
const same = (expected: string) => CHUNKS.map(() => expected);

describe('inspectFile reads the whole file, however the upload is chunked', () => {
  it.each([
    { kind: 'text with <script> far after the first 4 KB', file: Buffer.concat([text(100_000), Buffer.from('<script>alert(1)</script>')]), name: 'a.txt', expected: 'refused: The file is text with HTML markup (<script at byte 100000); active content is not accepted.' },
    { kind: 'text with a NUL after the first 4 KB', file: Buffer.concat([text(SNIFF_BYTES), Buffer.from([0]), text(100)]), name: 'a.txt', expected: 'refused: The file is not of a kind this relay recognises (binary data at byte 4096).' },
    { kind: 'text with invalid UTF-8 near its end', file: Buffer.concat([text(70_000), Buffer.from([0xc3, 0x28])]), name: 'a.txt', expected: 'refused: The file is not of a kind this relay recognises (text that is not valid UTF-8 at byte 70001).' },
    { kind: 'text with <script> inside the first 4 KB', file: Buffer.concat([text(4000), Buffer.from('<script>x</script>'), text(3000)]), name: 'a.txt', expected: 'refused: The file is text with HTML markup (<script at byte 4000); active content is not accepted.' },
    // "é" is 2 bytes: the SNIFF_BYTES boundary cuts it in half.
    { kind: 'UTF-8 text with a character cut by the 4 KB boundary', file: Buffer.concat([text(SNIFF_BYTES - 1), Buffer.from('é and more', 'utf8'), text(2000)]), name: 'a.csv', expected: 'text/csv' },
    { kind: 'text of exactly 4 KB', file: text(SNIFF_BYTES), name: 'a.txt', expected: 'text/plain' },
    { kind: 'a short text', file: text(10), name: 'a.txt', expected: 'text/plain' },
    { kind: 'a JPEG', file: buildJpeg({ padding: 70_000 }).jpeg, name: 'a.jpg', expected: 'image/jpeg' },
    { kind: 'a program', file: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(70_000)]), name: 'a.pdf', expected: 'refused: The file is a Windows program; active content is not accepted.' },
    { kind: 'a Word document whose [Content_Types].xml entry is past the first 64 KB', file: docx(100_000), name: 'report.docx', expected: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
    { kind: 'a PDF with a script', file: scriptPdf(), name: 'a.pdf', expected: 'refused: The file is a PDF that runs code (/JavaScript); PDFs with scripts are not accepted.' },
    { kind: 'a PDF with a script in an object stream', file: objectStreamPdf(), name: 'a.pdf', expected: 'refused: The file is a PDF that runs code (/JavaScript in a compressed object stream); PDFs with scripts are not accepted.' },
  ])('gives $kind the same verdict in chunks of 1 B, 1 KB and 64 KB', async ({ file, name, expected }) => {
    expect(await verdicts(file, name)).toEqual(same(expected));
  });

  it('holds no more than the first bytes of a 20 MB text file while it streams through', async () => {
    const size = 20 * 1024 * 1024;
    const piece = text(64 * 1024);
    let sent = 0;
    const source = new Readable({
      read() {
        this.push(sent >= size ? null : piece);
        sent += piece.length;
      },
    });
    const inspection = inspectFile('big.txt', RULES, () => {});
    let passed = 0;
    let peak = 0;
    const base = process.memoryUsage().arrayBuffers;
    inspection.stream.on('data', (chunk: Buffer) => {
      passed += chunk.length;
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
    });
    await new Promise((resolve, reject) => source.pipe(inspection.stream).on('end', resolve).on('error', reject));
    expect(passed).toBe(size);
    expect(inspection.result().type).toBe('text/plain');
    // One piece is shared by every chunk; buffering the file would show as megabytes.
    expect(peak).toBeLessThan(4 * 1024 * 1024);
  });
});

describe('office documents must be the format they claim', () => {
  const OOXML = 'application/vnd.openxmlformats-officedocument';
  it.each([
    { kind: 'a Word document', file: docx(), name: 'Report.DOCX', expected: `${OOXML}.wordprocessingml.document` },
    { kind: 'an Excel workbook', file: xlsx(), name: 'budget.xlsx', expected: `${OOXML}.spreadsheetml.sheet` },
    { kind: 'a PowerPoint presentation', file: pptx(), name: 'deck.pptx', expected: `${OOXML}.presentationml.presentation` },
    { kind: 'an OpenDocument text', file: odf('application/vnd.oasis.opendocument.text'), name: 'a.odt', expected: 'application/vnd.oasis.opendocument.text' },
    { kind: 'an OpenDocument spreadsheet named otherwise', file: odf('application/vnd.oasis.opendocument.spreadsheet'), name: 'a.bin', expected: 'application/vnd.oasis.opendocument.spreadsheet' },
    { kind: 'a Word document without an extension', file: docx(), name: 'report', expected: `${OOXML}.wordprocessingml.document` },
    { kind: 'a plain ZIP renamed .docx', file: plainZip(), name: 'invoice.docx', expected: 'refused: The file is a ZIP archive, which this relay does not accept.' },
    { kind: 'a Word document renamed .xlsx', file: docx(), name: 'budget.xlsx', expected: 'refused: The file is named as an Excel workbook (.xlsx) but is a Word document.' },
    { kind: 'an OpenDocument text renamed .docx', file: odf('application/vnd.oasis.opendocument.text'), name: 'a.docx', expected: 'refused: The file is named as a Word document (.docx) but is an OpenDocument text.' },
    { kind: 'a macro-enabled Word document renamed .docx', file: docm(), name: 'a.docx', expected: 'refused: The file is a macro-enabled Office document (.docm), which this relay does not accept.' },
    { kind: 'an older Office file', file: Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(600)]), name: 'a.doc', expected: 'refused: The file is an older Office document (.doc, .xls, .ppt) or another Compound File, which this relay does not accept.' },
  ])('$kind: $expected', async ({ file, name, expected }) => {
    expect(await verdict(file, name)).toBe(expected);
  });

  it('takes a document whose format entry comes after an entry over 1 MB for a plain ZIP (file-type reads no further into a stream)', async () => {
    expect(await verdict(docx(2 * 1024 * 1024), 'report.docx')).toBe('refused: The file is a ZIP archive, which this relay does not accept.');
  });

  it('refuses a plain ZIP named .docx even where ZIPs are accepted', async () => {
    const rules = { ...RULES, accepted: expandTypes([...DEFAULT_TYPES, 'application/zip']) };
    expect(await verdict(plainZip(), 'invoice.docx', { rules })).toBe('refused: The file is named as a Word document (.docx) but is a ZIP archive.');
    expect(await verdict(plainZip(), 'files.zip', { rules })).toBe('application/zip');
  });
});

describe('PDFs that run code', () => {
  const REFUSED = (found: string) => `refused: The file is a PDF that runs code (${found}); PDFs with scripts are not accepted.`;
  it.each([
    { kind: 'a PDF without scripts (its text mentions /JS and <script>)', file: plainPdf(), expected: 'application/pdf' },
    { kind: 'a JavaScript action', file: scriptPdf(), expected: REFUSED('/JavaScript') },
    { kind: 'a hex-escaped JavaScript action', file: scriptPdf('<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>'), expected: REFUSED('/JavaScript') },
    { kind: 'an escaped /JS key alone', file: scriptPdf('<< /S /Named /#4A#53 5 0 R >>'), expected: REFUSED('/JS') },
    { kind: 'a Launch action', file: scriptPdf('<< /S /Launch /F (cmd.exe) >>'), expected: REFUSED('/Launch') },
    { kind: 'document scripts in the names tree', file: scriptPdf('<< /Names << /JavaScript 7 0 R >> >>'), expected: REFUSED('/JavaScript') },
    { kind: 'a script in a compressed object stream', file: objectStreamPdf(), expected: REFUSED('/JavaScript in a compressed object stream') },
    { kind: 'an escaped script in an object stream whose type is escaped too', file: objectStreamPdf('<< /S /J#61vaScript /JS (x) >>', '/Type /Obj#53tm /Filter /Fl#61teDecode'), expected: REFUSED('/JavaScript in a compressed object stream') },
    { kind: 'a script in an object stream without /Type', file: objectStreamPdf(undefined, '/Filter /FlateDecode'), expected: REFUSED('/JavaScript in a compressed object stream') },
    { kind: 'an object stream without a script', file: objectStreamPdf('<< /S /GoTo /D [3 0 R /Fit] >>'), expected: 'application/pdf' },
    { kind: 'a /JS name that ends an object stream', file: objectStreamPdf('<< /S /GoTo /D [3 0 R /Fit] >> /JS'), expected: REFUSED('/JS in a compressed object stream') },
    { kind: 'an object stream behind another filter', file: objectStreamPdf(undefined, '/Type /ObjStm /Filter [/ASCIIHexDecode /FlateDecode]'), expected: 'refused: The file is a PDF that cannot be checked for scripts: an object stream is compressed with a filter other than FlateDecode.' },
    { kind: 'an object stream with a predictor', file: objectStreamPdf(undefined, '/Type /ObjStm /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >>'), expected: 'refused: The file is a PDF that cannot be checked for scripts: an object stream has decoding parameters (a predictor) this relay does not apply.' },
  ])('$kind: $expected', async ({ file, expected }) => {
    expect(await verdicts(file, 'a.pdf')).toEqual(same(expected));
  });

  it('finds a script object hidden inside another stream’s data, where a reader finds it by its offset', async () => {
    const hidden = Buffer.from('\n9 0 obj << /S /JavaScript /JS (app.alert\\(1\\)) >> endobj\n');
    const file = Buffer.concat([plainPdf().subarray(0, 200), Buffer.from('7 0 obj << /Length 10 >>\nstream\n'), hidden, Buffer.from('\nendstream\nendobj\n%%EOF\n')]);
    expect(await verdict(file, 'a.pdf')).toBe(REFUSED('/JavaScript'));
  });

  it('refuses an object stream that cannot be inflated (damaged, or encrypted)', async () => {
    const file = objectStreamPdf();
    const broken = Buffer.from(file.toString('latin1').replace(/stream\n\x78/, 'stream\n\x00'), 'latin1');
    expect(await verdict(broken, 'a.pdf')).toBe('refused: The file is a PDF that cannot be checked for scripts: an object stream could not be inflated (damaged or encrypted).');
  });

  it('accepts PDFs with scripts when RELAY_ATTACHMENT_PDF_SCRIPTS=allow', async () => {
    const rules = { ...RULES, pdfScripts: 'allow' as const };
    expect(await verdict(scriptPdf(), 'a.pdf', { rules })).toBe('application/pdf');
    expect(await verdict(objectStreamPdf(), 'a.pdf', { rules })).toBe('application/pdf');
  });
});
