/**
 * Bundles the Worker into one ES module for workerd, as `wrangler deploy` would, without wrangler:
 * src/relay/workers.ts, or another entry (the relay package's `socialboards-ticket-relay/workers`
 * in a project that installed it, `cwd`).
 */
import { builtinModules } from 'node:module';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';

/** What the bundle pulls in, for a test to check that nothing Node-only came along. */
export interface WorkerBundle {
  script: string;
  /** Every file in the bundle (project sources and node_modules), relative to the repository. */
  inputs: string[];
  /** Modules left to the runtime: Node built-ins that workerd provides under `nodejs_compat`. */
  runtimeModules: string[];
}

/** The flags the Worker needs: Node's crypto, stream and zlib come from the runtime. */
export const COMPATIBILITY = { compatibilityDate: '2026-07-01', compatibilityFlags: ['nodejs_compat'] };

export async function bundleWorker({ entry = 'src/relay/workers.ts', cwd = process.cwd() }: { entry?: string; cwd?: string } = {}): Promise<WorkerBundle> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: cwd,
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    external: ['node:*', ...builtinModules],
    plugins: [requiredBuiltins],
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error('esbuild wrote no bundle');
  const inputs = Object.keys(result.metafile.inputs);
  const runtimeModules = [
    ...new Set(Object.values(result.metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external).map((i) => i.path))),
  ].sort();
  return { script: output.text, inputs, runtimeModules };
}

/**
 * CommonJS packages (rate-limiter-flexible, busboy) `require()` Node built-ins, which an ES module
 * bundle cannot do with an external: each such require gets a small ES module that imports the
 * built-in from workerd instead (`nodejs_compat` provides them as `node:*`).
 */
const requiredBuiltins: Plugin = {
  name: 'required-builtins',
  setup(build) {
    const builtins = new Set(builtinModules);
    build.onResolve({ filter: /^[a-z_/]+$|^node:/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (args.kind !== 'require-call' || !builtins.has(name)) return undefined;
      return { path: name, namespace: 'required-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'required-builtin' }, (args) => ({
      contents: `import * as m from 'node:${args.path}'; export default m.default ?? m; export * from 'node:${args.path}';`,
      loader: 'js',
    }));
  },
};
