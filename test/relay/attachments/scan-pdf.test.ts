import { describe, expect, it } from 'vitest';
import { PdfScan } from '../../../src/relay/attachments/scan-pdf';

async function scan(body: Buffer, chunkSize: number) {
  const pdf = new PdfScan();
  for (let i = 0; i < body.length; i += chunkSize) await pdf.write(body.subarray(i, i + chunkSize));
  await pdf.end();
  return pdf.finding;
}

describe('PdfScan over many small streams', () => {
  // Each stream's data is searched once from where it starts (not the rest of the chunk again).
  const tiny = '<<>>stream\nendstream\n'.repeat(3000);
  const withScript = Buffer.from(`%PDF-1.7\n${tiny}9 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj\n%%EOF\n`);
  const clean = Buffer.from(`%PDF-1.7\n${tiny}9 0 obj << /Type /Page >> endobj\n%%EOF\n`);

  it.each([1, 7, 1024, 65_536])('finds the script after 3000 streams, in chunks of %i B, and nothing in the file without it', async (size) => {
    expect(await scan(withScript, size)).toBeDefined();
    expect(await scan(clean, size)).toBeUndefined();
  });
});
