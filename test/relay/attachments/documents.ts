/** Real-shaped files for the type tests, built in the test: a PNG, ZIPs (office documents) and PDFs. */
import { crc32, deflateRawSync, deflateSync } from 'node:zlib';

const OOXML = 'application/vnd.openxmlformats-officedocument';

/** A PNG chunk: length, type, data, CRC. */
function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A real 8×8 grey PNG (signature, IHDR, IDAT, IEND): file-type reads a PNG's chunks up to its image data. */
export const PNG = Buffer.concat([
  Buffer.from('89504e470d0a1a0a', 'hex'),
  pngChunk('IHDR', Buffer.from([0, 0, 0, 8, 0, 0, 0, 8, 8, 0, 0, 0, 0])),
  // Each row: filter byte 0, then 8 grey pixels.
  pngChunk('IDAT', deflateSync(Buffer.from(Array.from({ length: 8 * 9 }, (_, at) => (at % 9 === 0 ? 0 : 0x80))))),
  pngChunk('IEND', Buffer.alloc(0)),
]);

/** One ZIP entry: its name, its content, and whether it is stored rather than deflated (ODF's `mimetype` must be). */
export interface ZipEntry {
  name: string;
  content: string | Buffer;
  stored?: boolean;
}

/** A ZIP as Office, LibreOffice and zip(1) write it: local headers and data, then the central directory. */
export function zip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const { name, content, stored = false } of entries) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    const packed = stored ? data : deflateRawSync(data);
    const fileName = Buffer.from(name, 'utf8');
    const fields = (header: Buffer, at: number) => {
      header.writeUInt16LE(20, at); // version needed
      header.writeUInt16LE(0x0800, at + 2); // UTF-8 names
      header.writeUInt16LE(stored ? 0 : 8, at + 4);
      header.writeUInt32LE(crc32(data), at + 10);
      header.writeUInt32LE(packed.length, at + 14);
      header.writeUInt32LE(data.length, at + 18);
      header.writeUInt16LE(fileName.length, at + 22);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    fields(local, 4);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    fields(entry, 6);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, fileName, packed);
    central.push(entry, fileName);
    offset += local.length + fileName.length + packed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="%MAIN%"/></Relationships>`;

const contentTypes = (main: string, contentType: string) => `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/${main}" ContentType="${contentType}"/></Types>`;

/**
 * The smallest OOXML packages Office opens: [Content_Types].xml, the relationships, the main part.
 * `padding` puts a stored entry of that many bytes first, so the entries that tell the format come later.
 */
const ooxml = (main: string, contentType: string, body: string, padding = 0) =>
  zip([
    ...(padding > 0 ? [{ name: 'docProps/thumbnail.jpeg', content: Buffer.alloc(padding, 0x41), stored: true }] : []),
    { name: '[Content_Types].xml', content: contentTypes(main, contentType) },
    { name: '_rels/.rels', content: RELS.replace('%MAIN%', main) },
    { name: main, content: body },
  ]);

export const docx = (padding = 0) =>
  ooxml(
    'word/document.xml',
    `${OOXML}.wordprocessingml.document.main+xml`,
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hi</w:t></w:r></w:p></w:body></w:document>',
    padding,
  );
export const xlsx = () =>
  ooxml('xl/workbook.xml', `${OOXML}.spreadsheetml.sheet.main+xml`, '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>');
export const pptx = () =>
  ooxml('ppt/presentation.xml', `${OOXML}.presentationml.presentation.main+xml`, '<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>');
/** A Word document with macros (.docm): its main part says so. */
export const docm = () => ooxml('word/document.xml', 'application/vnd.ms-word.document.macroEnabled.main+xml', '<w:document/>');
/** An OpenDocument file: `mimetype` first and stored, as ODF requires. */
export const odf = (type: string) =>
  zip([
    { name: 'mimetype', content: type, stored: true },
    { name: 'content.xml', content: '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>' },
    { name: 'META-INF/manifest.xml', content: '<manifest:manifest/>' },
  ]);
export const plainZip = () => zip([{ name: 'readme.txt', content: 'hello' }, { name: 'setup.exe', content: Buffer.from('MZ\x90\x00') }]);

/** PDF objects, joined with a header, an xref table and a trailer (offsets right, as a reader needs them). */
export function pdf(objects: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xE2\xE3\xCF\xD3\n', 'latin1')];
  const offsets: number[] = [];
  let length = parts[0]?.length ?? 0;
  objects.forEach((object, index) => {
    offsets.push(length);
    const bytes = Buffer.concat([Buffer.from(`${index + 1} 0 obj\n`), Buffer.isBuffer(object) ? object : Buffer.from(object, 'latin1'), Buffer.from('\nendobj\n')]);
    parts.push(bytes);
    length += bytes.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`, ...offsets.map((at) => `${String(at).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`));
  return Buffer.concat(parts);
}

/** A stream object: `dictionary` entries, then `data` with its /Length. */
export const streamObject = (dictionary: string, data: Buffer) =>
  Buffer.concat([Buffer.from(`<< ${dictionary} /Length ${data.length} >>\nstream\n`), data, Buffer.from('\nendstream')]);

const PAGES = ['<< /Type /Pages /Kids [3 0 R] /Count 1 >>', '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>'];
const CONTENT = streamObject('', Buffer.from('BT /F1 12 Tf 72 720 Td (Invoice /JS 42 \\(see <script>\\)) Tj ET'));

/** A one-page PDF with no script (its text even mentions /JS and <script>, inside a content stream). */
export const plainPdf = () => pdf(['<< /Type /Catalog /Pages 2 0 R >>', ...PAGES, CONTENT]);

/** A PDF that runs `app.alert(1)` on opening: the catalog's /OpenAction is a JavaScript action, `action` written as given. */
export const scriptPdf = (action = '<< /S /JavaScript /JS (app.alert\\(1\\)) >>') =>
  pdf([`<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>`, ...PAGES, CONTENT, action]);

/**
 * The same script hidden in a compressed object stream (PDF 1.5): the action dictionary is object
 * 5, stored inside object 6, a FlateDecode /ObjStm; `dictionary` adds or replaces its keys.
 */
export function objectStreamPdf(action = '<< /S /JavaScript /JS (app.alert\\(1\\)) >>', dictionary = '/Type /ObjStm /Filter /FlateDecode') {
  const header = '5 0 ';
  const packed = deflateSync(Buffer.from(`${header}${action}`, 'latin1'));
  return pdf(['<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>', ...PAGES, CONTENT, '<< /Type /XObject /Subtype /Form >>', streamObject(`${dictionary} /N 1 /First ${header.length}`, packed)]);
}
