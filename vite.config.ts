/**
 * Builds the widget: by default the one-file IIFE for the script tag (dist/socialboards-ticket.js);
 * with `--mode esm` the ES module for SPA users (dist/esm/). Also configures Vitest.
 */
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig(({ mode }) => {
  const esm = mode === 'esm';
  return {
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    define: { 'process.env.NODE_ENV': JSON.stringify('production'), __VERSION__: JSON.stringify(version) },
    publicDir: false,
    build: {
      target: 'es2020',
      outDir: esm ? 'dist/esm' : 'dist',
      emptyOutDir: true,
      minify: process.env.NOMIN ? false : true,
      sourcemap: true,
      reportCompressedSize: false,
      lib: esm
        ? { entry: 'src/widget/index.ts', formats: ['es'], fileName: () => 'index.js' }
        : {
            entry: 'src/widget/script.ts',
            formats: ['iife'],
            name: 'SocialboardsTicketBundle',
            fileName: () => 'socialboards-ticket.js',
          },
      rollupOptions: esm ? { external: [/^preact/, /^@preact\//, 'valibot'] } : {},
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
