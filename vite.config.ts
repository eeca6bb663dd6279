/**
 * Builds the widget. Modes (package.json "build" runs them all):
 * - default: the one-file IIFE for the script tag, dist/socialboards-ticket.js;
 * - `esm`: the ES module for SPA users, dist/esm/ (index.js and locales/<tag>.js);
 * - `locales`: every language pack for the script tag, dist/locales/<tag>.js.
 * Also configures Vitest.
 */
import { readFileSync } from 'node:fs';
import { minify } from 'terser';
import { runnerImport, type LibraryOptions, type Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

/** A module of the widget's sources, read through Vite itself, so the config file imports none of them. */
const source = async <T>(path: string) => (await runnerImport<T>(path, { configFile: false, logLevel: 'silent' })).module;
const { MESSAGE_KEYS } = await source<typeof import('./src/widget/i18n')>('./src/widget/i18n.ts');
const { PACKS } = await source<typeof import('./src/widget/locales/all')>('./src/widget/locales/all.ts');
const { packId, packScript, packWords } = await source<typeof import('./src/widget/locales/pack-format')>('./src/widget/locales/pack-format.ts');
const KEYS = [...MESSAGE_KEYS];

/** What each mode builds, and where. */
function target(mode: string): { outDir: string; emptyOutDir: boolean; lib: LibraryOptions; external?: RegExp[] } {
  if (mode === 'esm') {
    return {
      outDir: 'dist/esm',
      emptyOutDir: true,
      lib: {
        entry: { index: 'src/widget/index.ts', ...Object.fromEntries(Object.keys(PACKS).map((tag) => [`locales/${tag}`, `src/widget/locales/${tag}.ts`])) },
        formats: ['es'],
      },
      external: [/^preact/, /^@preact\//, /^valibot/],
    };
  }
  if (mode === 'locales') {
    // The entry is only bundled to be dropped: `languagePacks` writes the files.
    return { outDir: 'dist/locales', emptyOutDir: false, lib: { entry: 'src/widget/locales/all.ts', formats: ['es'] } };
  }
  return {
    // Emptied by the first build of `npm run build`; the others write beside it.
    outDir: 'dist',
    emptyOutDir: true,
    lib: { entry: 'src/widget/script.ts', formats: ['iife'], name: 'SocialboardsTicketBundle', fileName: () => 'socialboards-ticket.js' },
  };
}

/**
 * Imports Preact's `h` and `Fragment` into each TSX file, for the classic JSX transform below.
 * Only into `.tsx`: Oxc's own `jsxInject` adds it to every TypeScript file too, and since Preact
 * has side effects, a language pack (plain `.ts`) then carried all of Preact (6.2 KB gzip instead
 * of 1.9). On the first line, so the source maps' lines stay true.
 */
const preactH: Plugin = {
  name: 'preact-h',
  enforce: 'pre',
  transform(code, id) {
    if (!/\.tsx(\?|$)/.test(id)) return null;
    // Under names of their own, so a file that imports `h` or `Fragment` itself still compiles.
    return { code: `import { h as $h, Fragment as $Fragment } from 'preact';${code}`, map: null };
  },
};

/** Writes each script-tag language pack in the format of src/widget/locales/pack-format.ts, in place of the bundle. */
const languagePacks: Plugin = {
  name: 'language-packs',
  apply: 'build',
  generateBundle(_options, bundle) {
    for (const fileName of Object.keys(bundle)) delete bundle[fileName];
    for (const [tag, catalogue] of Object.entries(PACKS)) {
      this.emitFile({ type: 'asset', fileName: `${tag}.js`, source: packScript(tag, packWords(catalogue, KEYS, version)) });
    }
  },
};

/**
 * A second minifier pass over the script-tag files: terser after Vite's own (Oxc) saves about
 * 510 B gzip (2 %) of the widget. Safe transforms, plus two that only change how a function is
 * written: `unsafe_arrows` (a `function` that uses neither `this` nor `arguments` becomes an arrow)
 * and `unsafe_methods` (`{ m: function () {} }` becomes `{ m() {} }`); both would break only code
 * that calls such a function with `new`, which neither we nor Preact or signals do (-51 B).
 * Six passes rather than two: by then another pass changes nothing on our bundle (a fixed point),
 * and the passes between inline and fold what the earlier ones exposed (-60 B; three passes
 * happened to be worse than two, so fewer is not a safe stopping point). No comma sequences
 * (`sequences: false`): statements stay statements, whose repeats gzip finds more often than in
 * the long comma chains terser would build (-25 B; with Oxc's joining also off, below).
 * Left out: `pure_getters` and the other `unsafe*` options, which could drop reads such as a
 * signal's `.value` that are there for their side effect, and `booleans_as_integers`, which would
 * turn the `v.literal(true)` of the relay's `queued` answer into a check for `1`.
 * ASCII only, as the build's `charset` (terser would otherwise turn `\u2026` back into "…").
 * The source map is composed through it and written in place of Oxc's, so the bundle breakdown,
 * the profiler and stack traces stay true (`test/build/script-bundles.test.ts` checks it).
 */
const terserPass: Plugin = {
  name: 'terser-pass',
  apply: 'build',
  async generateBundle(_options, bundle) {
    for (const chunk of Object.values(bundle)) {
      if (chunk.type !== 'chunk') continue;
      // The map is already an asset of its own here; changing `chunk.map` would not reach the file.
      const mapAsset = bundle[`${chunk.fileName}.map`];
      const inputMap = mapAsset?.type === 'asset' ? (typeof mapAsset.source === 'string' ? mapAsset.source : new TextDecoder().decode(mapAsset.source)) : undefined;
      const result = await minify(chunk.code, {
        ecma: 2020,
        compress: { passes: 6, sequences: false, unsafe_arrows: true, unsafe_methods: true },
        format: { ascii_only: true },
        sourceMap: inputMap ? { content: inputMap, includeSources: true, url: `${chunk.fileName.split('/').pop()}.map` } : false,
      });
      if (result.code === undefined) throw new Error(`terser returned no code for ${chunk.fileName}`);
      chunk.code = result.code;
      if (mapAsset?.type === 'asset' && typeof result.map === 'string') mapAsset.source = result.map;
    }
  },
};

export default defineConfig(({ mode }) => {
  const { outDir, emptyOutDir, lib, external } = target(mode);
  return {
    // Classic JSX (`h(type, props, ...children)`) rather than the automatic runtime: preact's `h` is
    // in the bundle anyway, while the automatic runtime adds its own `jsx()` and a `children: [...]`
    // at every element (~200 B gzip of the script tag). Tests run the same transform. tsconfig keeps
    // `react-jsx` with preact as the import source: it types JSX the same way without an `h` import
    // in every file, which `preactH` supplies here.
    oxc: { jsx: { runtime: 'classic', pragma: '$h', pragmaFrag: '$Fragment' } },
    define: {
      'process.env.NODE_ENV': JSON.stringify('production'),
      __VERSION__: JSON.stringify(version),
      __PACK_ID__: JSON.stringify(packId(version, KEYS)),
    },
    publicDir: false,
    plugins: mode === 'esm' ? [preactH] : mode === 'locales' ? [languagePacks] : [preactH, terserPass],
    build: {
      target: 'es2020',
      outDir,
      emptyOutDir,
      minify: true,
      sourcemap: mode !== 'locales',
      reportCompressedSize: false,
      lib,
      rollupOptions: {
        ...(external ? { external } : {}),
        // ASCII only: one non-ASCII character ("…") makes V8 keep the whole script as UTF-16, twice
        // the memory of the one-byte string an ASCII script is, and slower to scan.
        // Oxc's minifier leaves statements unjoined (no `var` joining, no comma sequences): terser
        // joins them after it (`terserPass`) in the order it compresses best (-28 B gzip). Both
        // only change how statements are written.
        output: { charset: 'ascii', minify: { compress: { joinVars: false, sequences: false } } },
      },
    },
    test: {
      projects: [
        {
          extends: true,
          test: {
            name: 'node',
            include: ['test/**/*.test.ts'],
            exclude: ['test/widget/**'],
            environment: 'node',
            testTimeout: 20_000,
            hookTimeout: 20_000,
          },
        },
        {
          extends: true,
          test: {
            name: 'dom',
            include: ['test/widget/**/*.test.{ts,tsx}'],
            environment: 'happy-dom',
            setupFiles: ['test/widget/setup.ts'],
          },
        },
      ],
    },
  };
});
