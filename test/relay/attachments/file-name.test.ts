import { describe, expect, it } from 'vitest';
import { MAX_NAME_LENGTH, safeFileName } from '../../../src/relay/attachments/file-name';
import { contentDisposition, fileUrl } from '../../../src/relay/attachments/file-url';

describe('safeFileName', () => {
  it.each([
    { name: 'photo.jpg', type: 'image/jpeg', safe: 'photo.jpg' },
    { name: 'Photo.JPEG', type: 'image/jpeg', safe: 'Photo.JPEG' },
    { name: 'photo.exe', type: 'image/jpeg', safe: 'photo.jpg' },
    { name: 'invoice.pdf', type: 'image/png', safe: 'invoice.png' },
    { name: 'scan', type: 'application/pdf', safe: 'scan.pdf' },
    { name: 'report.tar.gz', type: 'text/plain', safe: 'report.tar.txt' },
    { name: 'C:\\Users\\ann\\Desktop\\cv.pdf', type: 'application/pdf', safe: 'cv.pdf' },
    { name: '../../etc/passwd', type: 'text/plain', safe: 'passwd.txt' },
    { name: '..pdf', type: 'application/pdf', safe: 'pdf.pdf' },
    { name: '...', type: 'application/pdf', safe: 'file.pdf' },
    { name: '', type: 'image/png', safe: 'file.png' },
    { name: 'a\u0000b\u001fc\u007f\u0085.txt', type: 'text/plain', safe: 'abc.txt' },
    { name: 'invoice\u202Efdp.exe', type: 'application/pdf', safe: 'invoicefdp.pdf' },
    { name: 'Blåbær – kvittering.pdf', type: 'application/pdf', safe: 'Blåbær – kvittering.pdf' },
    { name: '  notes .txt ', type: 'text/plain', safe: 'notes.txt' },
    { name: 'a\uD800b.pdf', type: 'application/pdf', safe: 'a\uFFFDb.pdf' },
    { name: '\uDC00x\uD83D.pdf', type: 'application/pdf', safe: '\uFFFDx\uFFFD.pdf' },
    { name: 'smile \uD83D\uDE00.pdf', type: 'application/pdf', safe: 'smile \uD83D\uDE00.pdf' },
  ] as const)('turns "$name" ($type) into "$safe"', ({ name, type, safe }) => {
    expect(safeFileName(name, type)).toBe(safe);
  });

  it('gives names that file links and Content-Disposition can encode, even from lone surrogates', () => {
    for (const name of ['\uD800', 'x\uDFFF.pdf', '\uDBFF\uDBFF.pdf', `${'a'.repeat(195)}\uD83D\uDE00\uD800.pdf`]) {
      const safe = safeFileName(name, 'application/pdf');
      expect(() => encodeURIComponent(safe)).not.toThrow();
      expect(() => contentDisposition(safe)).not.toThrow();
      expect(() => fileUrl('https://relay.example', 'k', safe)).not.toThrow();
    }
  });

  it(`keeps at most ${MAX_NAME_LENGTH} characters, extension included`, () => {
    const safe = safeFileName(`${'ø'.repeat(300)}.pdf`, 'application/pdf');
    expect([...safe]).toHaveLength(MAX_NAME_LENGTH);
    expect(safe.endsWith('ø.pdf')).toBe(true);
  });
});
