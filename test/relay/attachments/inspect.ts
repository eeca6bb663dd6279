/** Streams a file through inspectFile in chunks, as an upload would arrive: the type found, or the refusal's message. */
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { inspectFile } from '../../../src/relay/attachments/inspect-file';
import type { TypeRules } from '../../../src/relay/attachments/inspect-file';
import { DEFAULT_TYPES } from '../../../src/relay/attachments/media-types';

export const RULES: TypeRules = { accepted: DEFAULT_TYPES, allowActive: false, keepGps: false, pdfScripts: 'refuse' };

/** What inspectFile says about `file` named `name`: its type, or `refused: <message>`. */
export async function verdict(file: Buffer, name: string, { chunk = 64 * 1024, rules = RULES }: { chunk?: number; rules?: TypeRules } = {}): Promise<string> {
  const chunks = Array.from({ length: Math.ceil(file.length / chunk) }, (_, i) => file.subarray(i * chunk, (i + 1) * chunk));
  const inspection = inspectFile(name, rules, () => {});
  try {
    const out = await buffer(Readable.from(chunks).pipe(inspection.stream));
    if (out.length !== file.length) throw new Error(`passed ${out.length} of ${file.length} bytes`);
    return inspection.result().type;
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  }
}
