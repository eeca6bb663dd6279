/**
 * Builds the widget. Modes (package.json "build" runs them all):
 * - default: the one-file IIFE for the script tag, dist/socialboards-ticket.js;
 * - `esm`: the ES module for SPA users, dist/esm/ (index.js and locales/<tag>.js);
 * - `locale-<tag>`: a language pack for the script tag, dist/locales/<tag>.js.
 * Also configures Vitest.
 */
import { readFileSync } from 'node:fs';
import type { LibraryOptions } from 'vite';
import { defineConfig } from 'vitest/config';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

/** What each mode builds, and where. */
function target(mode: string): { outDir: string; emptyOutDir: boolean; lib: LibraryOptions; external?: RegExp[] } {
  if (mode === 'esm') {
    return {
      outDir: 'dist/esm',
      emptyOutDir: true,
      lib: { entry: { index: 'src/widget/index.ts', 'locales/nb': 'src/widget/locales/nb.ts' }, formats: ['es'] },
      external: [/^preact/, /^@preact\//, /^valibot/],
    };
  }
  const locale = /^locale-(\w+)$/.exec(mode)?.[1];
  if (locale) {
    return {
      outDir: 'dist/locales',
      emptyOutDir: false,
      lib: { entry: `src/widget/locales/${locale}.script.ts`, formats: ['iife'], name: 'SocialboardsTicketLocale', fileName: () => `${locale}.js` },
    };
  }
  return {
    // Emptied by the first build of `npm run build`; the others write beside it.
    outDir: 'dist',
    emptyOutDir: true,
    lib: { entry: 'src/widget/script.ts', formats: ['iife'], name: 'SocialboardsTicketBundle', fileName: () => 'socialboards-ticket.js' },
  };
}

export default defineConfig(({ mode }) => {
  const { outDir, emptyOutDir, lib, external } = target(mode);
  return {
    // Classic JSX (`h(type, props, ...children)`) rather than the automatic runtime: preact's `h` is
    // in the bundle anyway, while the automatic runtime adds its own `jsx()` and a `children: [...]`
    // at every element (~200 B gzip of the script tag). Tests run the same transform. tsconfig keeps
    // `react-jsx` with preact as the import source: it types JSX the same way without an `h` import
    // in every file, which jsxInject supplies here.
    oxc: { jsx: { runtime: 'classic', pragma: 'h', pragmaFrag: 'Fragment' }, jsxInject: "import { h, Fragment } from 'preact'" },
    define: { 'process.env.NODE_ENV': JSON.stringify('production'), __VERSION__: JSON.stringify(version) },
    publicDir: false,
    build: {
      target: 'es2020',
      outDir,
      emptyOutDir,
      minify: true,
      sourcemap: true,
      reportCompressedSize: false,
      lib,
      rollupOptions: {
        ...(external ? { external } : {}),
        // ASCII only: one non-ASCII character ("…") makes V8 keep the whole script as UTF-16, twice
        // the memory of the one-byte string an ASCII script is, and slower to scan.
        output: { charset: 'ascii' },
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
          },
        },
      ],
    },
  };
});
