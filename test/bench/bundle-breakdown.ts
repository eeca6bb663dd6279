/**
 * Per-part breakdown of the script-tag bundle: which source each minified byte came from (read
 * off the source map), raw and gzip. Parts are gzipped alone, so their sum exceeds the whole.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeSegment(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >> 1) : value >> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

export interface Part {
  source: string;
  raw: number;
  gzip: number;
}

/** Splits `file` by source using `file.map`; returns parts sorted by gzip size and the whole's gzip size. */
export function bundleBreakdown(file: string): { parts: Part[]; raw: number; gzip: number } {
  const code = readFileSync(file, 'utf8');
  const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[]; mappings: string };
  const lines = code.split('\n');
  const text = new Map<string, string>();
  let source = 0;
  map.mappings.split(';').forEach((line, lineIndex) => {
    const segments = line.split(',').filter(Boolean).map(decodeSegment);
    let column = 0;
    segments.forEach((segment, index) => {
      column += segment[0] ?? 0;
      if (segment.length > 1) source += segment[1] ?? 0;
      const next = segments[index + 1];
      const end = next ? column + (next[0] ?? 0) : (lines[lineIndex]?.length ?? column);
      const name = (map.sources[source] ?? '?').replace(/^(\.\.\/)+/, '');
      text.set(name, (text.get(name) ?? '') + (lines[lineIndex] ?? '').slice(column, end));
    });
  });
  const group = (name: string) => {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(name);
    return match ? match[1] ?? name : name;
  };
  const grouped = new Map<string, string>();
  for (const [name, part] of text) grouped.set(group(name), (grouped.get(group(name)) ?? '') + part);
  const parts = [...grouped].map(([name, part]) => ({
    source: name,
    raw: part.length,
    gzip: gzipSync(part, { level: 9 }).length,
  }));
  parts.sort((a, b) => b.gzip - a.gzip);
  return { parts, raw: code.length, gzip: gzipSync(code, { level: 9 }).length };
}
