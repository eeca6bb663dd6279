/**
 * Builds the widget: by default the one-file IIFE for the script tag (dist/socialboards-ticket.js);
 * with `--mode esm` the ES module for SPA users (dist/esm/). Also configures Vitest.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig(({ mode }) => {
  const esm = mode === 'esm';
  return {
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    publicDir: false,
    build: {
      target: 'es2020',
      outDir: esm ? 'dist/esm' : 'dist',
      emptyOutDir: esm,
      minify: true,
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
