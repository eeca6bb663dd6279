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

/** Where a run of generated code starts (0-based line and column) and which source it came from. */
export interface MappedSegment {
  line: number;
  column: number;
  source: number;
}

/** A source map's `mappings`, decoded into segments in generated order. */
export function mappedSegments(mappings: string): MappedSegment[] {
  const segments: MappedSegment[] = [];
  let source = 0;
  mappings.split(';').forEach((text, line) => {
    let column = 0;
    for (const segment of text.split(',').filter(Boolean).map(decodeSegment)) {
      column += segment[0] ?? 0;
      if (segment.length > 1) source += segment[1] ?? 0;
      segments.push({ line, column, source });
    }
  });
  return segments;
}

/** The part a source belongs to: its npm package, or its path in the repository. */
export function partOf(source: string): string {
  const name = source.replace(/^(\.\.\/)+/, '');
  return /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(name)?.[1] ?? name;
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
  const segments = mappedSegments(map.mappings);
  const grouped = new Map<string, string>();
  segments.forEach(({ line, column, source }, index) => {
    const next = segments[index + 1];
    const end = next?.line === line ? next.column : (lines[line]?.length ?? column);
    const part = partOf(map.sources[source] ?? '?');
    grouped.set(part, (grouped.get(part) ?? '') + (lines[line] ?? '').slice(column, end));
  });
  const parts = [...grouped].map(([name, part]) => ({
    source: name,
    raw: part.length,
    gzip: gzipSync(part, { level: 9 }).length,
  }));
  parts.sort((a, b) => b.gzip - a.gzip);
  return { parts, raw: code.length, gzip: gzipSync(code, { level: 9 }).length };
}
