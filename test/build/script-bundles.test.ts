/**
 * The script-tag files as `npm run build` makes them (built here into a temporary folder with the
 * project's Vite config): minified twice (Oxc, then terser) with a source map that still points
 * at the right sources, ASCII only, and language packs that carry words only, in UTF-8 behind a
 * byte-order mark, each within its 1.5 KB gzip.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import { mappedSegments, partOf } from '../bench/bundle-breakdown';
import { PACKS } from '../../src/widget/locales/all';

let out: string;

/** A map's source as a path from the repository's root, then as its part (package or path). */
const part = (source: string) => partOf(relative(process.cwd(), resolve(out, source)));

async function buildMode(mode: string) {
  await build({ configFile: join(process.cwd(), 'vite.config.ts'), mode, logLevel: 'silent', build: { outDir: out, emptyOutDir: false } });
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'sb-bundles-'));
  await buildMode('production');
  await buildMode('locales');
}, 60_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The source (package or repository path) the map names for the first place `needle` is in `file`. */
function sourceOf(file: string, needle: string): string {
  const code = readFileSync(join(out, file), 'utf8');
  const map = JSON.parse(readFileSync(join(out, `${file}.map`), 'utf8')) as { sources: string[]; mappings: string };
  const at = code.indexOf(needle);
  if (at < 0) throw new Error(`"${needle}" is not in ${file}`);
  const line = code.slice(0, at).split('\n').length - 1;
  const column = at - (code.lastIndexOf('\n', at - 1) + 1);
  let source = -1;
  for (const segment of mappedSegments(map.mappings)) {
    if (segment.line > line || (segment.line === line && segment.column > column)) break;
    source = segment.source;
  }
  return part(map.sources[source] ?? '?');
}

describe('the script-tag widget', () => {
  it.each([
    ['Cycle detected', '@preact/signals-core'],
    ['http://www.w3.org/2000/svg', 'preact'],
    ['Leave this field empty', 'src/widget/i18n.ts'],
    ['kilobyte', 'src/widget/attachments.tsx'],
    ['adoptedStyleSheets', 'src/widget/mount.tsx'],
    ['data-socialboards-ticket', 'src/widget/mount.tsx'],
    ['RelativeTimeFormat', 'src/widget/i18n.ts'],
  ])('maps %j back to %s through both minifiers', (needle, source) => {
    expect(sourceOf('socialboards-ticket.js', needle)).toBe(source);
  });

  it('is ASCII only and names its source map', () => {
    const code = readFileSync(join(out, 'socialboards-ticket.js'), 'utf8');
    // One byte per character in UTF-8: nothing outside ASCII.
    expect(Buffer.byteLength(code)).toBe(code.length);
    expect(code.trimEnd().endsWith('//# sourceMappingURL=socialboards-ticket.js.map')).toBe(true);
  });
});

describe.each(Object.keys(PACKS))('the %s language pack', (tag) => {
  const file = () => readFileSync(join(out, `${tag}.js`));

  it('is one statement that stores its words, starting with the UTF-8 byte-order mark', () => {
    const bytes = file();
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    // Nothing but the assignment of one string: no Preact, no code of ours.
    const text = bytes.toString('utf8');
    const store = `\uFEFF(self.SocialboardsTicketLocales||(self.SocialboardsTicketLocales={})).${tag}=`;
    expect(text.startsWith(store)).toBe(true);
    expect(typeof JSON.parse(text.slice(store.length))).toBe('string');
  });

  it('is at most 1.5 KB gzip, as size-limit counts it', () => {
    expect(gzipSync(file(), { level: 9 }).length).toBeLessThanOrEqual(1536);
  });
});
