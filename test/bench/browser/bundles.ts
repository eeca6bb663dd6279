/**
 * The three scripts `npm run bench:browser` compares, with their compressed sizes: ours as
 * `npm run build` writes it, and the floor and Sentry's feedback widget, each built here by Vite
 * into one minified IIFE held in memory.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build, type Rolldown } from 'vite';

export interface Bundle {
  code: string;
  /** Bytes with gzip at level 9, as a CDN would serve it. */
  gzip: number;
  /** Bytes with brotli at quality 11. */
  brotli: number;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OURS = `${ROOT}dist/socialboards-ticket.js`;

/** A script with its compressed sizes. */
export function sized(code: string): Bundle {
  const bytes = Buffer.from(code);
  return {
    code,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/** Runs `npm run build` and reads the script-tag bundle it writes. */
export function buildOurs(): Bundle {
  const built = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) throw new Error('npm run build failed');
  return sized(readFileSync(OURS, 'utf8'));
}

/**
 * Builds one entry into a minified IIFE in memory, for the browser as our own build targets it,
 * with production definitions (`NODE_ENV`, and Sentry's documented flag that drops its debug
 * logging, so Sentry is measured as its tree-shaking guide recommends shipping it).
 */
async function buildEntry(entry: string): Promise<Bundle> {
  const output = await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    mode: 'production',
    publicDir: false,
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    define: { 'process.env.NODE_ENV': JSON.stringify('production'), __SENTRY_DEBUG__: 'false' },
    build: {
      target: 'es2020',
      write: false,
      minify: true,
      reportCompressedSize: false,
      lib: { entry: fileURLToPath(new URL(entry, import.meta.url)), formats: ['iife'], name: 'BenchCase' },
    },
  });
  const outputs = (Array.isArray(output) ? output : [output]) as Rolldown.RolldownOutput[];
  const chunks = outputs.flatMap(({ output }) => output).filter((file) => file.type === 'chunk');
  if (chunks.length !== 1 || !chunks[0]) throw new Error(`${entry}: expected one chunk, got ${chunks.length}`);
  return sized(chunks[0].code);
}

export const buildFloor = () => buildEntry('./floor/floor.tsx');
export const buildSentry = () => buildEntry('./sentry/entry.ts');
