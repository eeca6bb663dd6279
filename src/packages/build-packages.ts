/**
 * `npm run build:packages` (after `npm run build`): the two publishable packages, generated into
 * dist/packages/ from this one repository, each with its own package.json, README and files:
 * - `socialboards-ticket-widget` (dist/packages/widget): the script-tag file, its language packs,
 *   the ES module with declarations that resolve under bundler, node16 and nodenext. Its
 *   dependencies are only what the ES module imports (Preact, signals, valibot);
 * - `socialboards-ticket-relay` (dist/packages/relay): the relay as the `socialboards-ticket-relay`
 *   command and as a library (the Hono app and `startRelay`), with the server dependencies.
 * Each package's dependencies are read from what its built files import, with the ranges of the
 * root package.json, so neither list can drift from the code.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { build } from 'vite';
import { referenceNotes } from '../relay/variables';

const root = new URL('../../', import.meta.url).pathname;
const out = join(root, 'dist/packages');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  license: string;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
};

/** A condition-exports entry for an ES module and its declarations. */
const esm = (types: string, module: string) => ({ types, import: module });

/**
 * The widget's export map. A new entry point (say a custom element module) is one line here and
 * one `lib.entry` in vite.config.ts's `esm` mode.
 */
const WIDGET_EXPORTS = {
  '.': esm('./esm/types/widget/index.d.ts', './esm/index.js'),
  './locales/*.js': './locales/*.js',
  './locales/*': esm('./esm/types/widget/locales/*.d.ts', './esm/locales/*.js'),
  // Types for `window.SocialboardsTicket`, for pages that import the script for its side effect.
  './socialboards-ticket.js': { types: './esm/types/widget/script.d.ts', default: './socialboards-ticket.js' },
  './package.json': './package.json',
};

const RELAY_EXPORTS = {
  '.': esm('./types/relay/index.d.ts', './index.js'),
  // The Worker (default export and its Durable Object classes), for `main` in a wrangler.toml.
  './workers': esm('./types/relay/workers.d.ts', './workers.js'),
  './package.json': './package.json',
};

/** Every file below `dir`, as paths relative to it. */
function filesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((path) => statSync(join(dir, path)).isFile());
}

/** The packages a package's JavaScript imports (bare specifiers, builtins left out), with the root's ranges. */
function importedDependencies(dir: string): Record<string, string> {
  const names = new Set<string>();
  for (const file of filesIn(dir).filter((path) => path.endsWith('.js'))) {
    const code = readFileSync(join(dir, file), 'utf8');
    for (const [, specifier = ''] of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"'./][^"']*)["']/g)) {
      if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
      const parts = specifier.split('/');
      names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier));
    }
  }
  return Object.fromEntries(
    [...names].sort().map((name) => {
      const range = manifest.dependencies[name];
      if (range === undefined) throw new Error(`${dir} imports ${name}, which is not among package.json's dependencies`);
      return [name, range];
    }),
  );
}

/**
 * Adds the `.js` (or `/index.js`) that node16/nodenext resolution needs to each relative import of
 * the declarations tsc wrote for bundler resolution (TS2834 otherwise).
 */
function addDeclarationExtensions(dir: string): void {
  for (const file of filesIn(dir).filter((path) => path.endsWith('.d.ts'))) {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8').replace(/((?:from|import)\s*\(?\s*)(["'])(\.\.?\/[^"']*)\2/g, (whole, keyword: string, quote: string, specifier: string) => {
      if (specifier.endsWith('.js')) return whole;
      const target = join(dirname(path), specifier);
      const resolved = existsSync(`${target}.d.ts`) ? `${specifier}.js` : existsSync(join(target, 'index.d.ts')) ? `${specifier}/index.js` : undefined;
      if (resolved === undefined) throw new Error(`${file}: cannot resolve ${specifier}`);
      return `${keyword}${quote}${resolved}${quote}`;
    });
    writeFileSync(path, text);
  }
}

function writeManifest(dir: string, fields: Record<string, unknown>): void {
  const common = {
    version: manifest.version,
    license: manifest.license,
    type: 'module',
    engines: manifest.engines,
  };
  const { name, description, ...rest } = fields;
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, description, ...common, ...rest }, null, 2)}\n`);
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`);
}

function buildWidget(): void {
  const dir = join(out, 'widget');
  for (const built of ['dist/socialboards-ticket.js', 'dist/esm/index.js']) {
    if (!existsSync(join(root, built))) throw new Error(`${built} is missing: run npm run build first`);
  }
  mkdirSync(dir, { recursive: true });
  cpSync(join(root, 'dist/socialboards-ticket.js'), join(dir, 'socialboards-ticket.js'));
  cpSync(join(root, 'dist/socialboards-ticket.js.map'), join(dir, 'socialboards-ticket.js.map'));
  cpSync(join(root, 'dist/locales'), join(dir, 'locales'), { recursive: true });
  cpSync(join(root, 'dist/esm'), join(dir, 'esm'), { recursive: true });
  addDeclarationExtensions(join(dir, 'esm/types'));
  writeManifest(dir, {
    name: 'socialboards-ticket-widget',
    description: 'An embeddable, accessible ticket form for Socialboards: a script tag or an ES module.',
    exports: WIDGET_EXPORTS,
    // Only the script tag runs on import; the ES module's files can be dropped when unused.
    sideEffects: ['./socialboards-ticket.js', './locales/*.js'],
    dependencies: importedDependencies(dir),
  });
  writeFileSync(
    join(dir, 'README.md'),
    `# socialboards-ticket-widget

An embeddable, accessible ticket form for [Socialboards](https://www.socialboards.com). It sends to
your own relay (\`socialboards-ticket-relay\`), which holds the credentials.

- Script tag: \`socialboards-ticket.js\`, language packs \`locales/<tag>.js\`.
- Bundlers: \`import { mount } from 'socialboards-ticket-widget'\`, language packs
  \`import { nb } from 'socialboards-ticket-widget/locales/nb'\`, typed.

Dependencies: \`preact\`, \`@preact/signals\` and \`valibot\` (the ES module imports them, so your
app shares one copy); nothing of the relay. Full documentation: the repository's README.
`,
  );
}

async function buildRelay(): Promise<void> {
  const dir = join(out, 'relay');
  mkdirSync(dir, { recursive: true });
  const notes = referenceNotes((doc) => readFileSync(join(root, doc), 'utf8'));
  await build({
    configFile: false,
    root,
    publicDir: false,
    logLevel: 'warn',
    define: { __VERSION__: JSON.stringify(manifest.version), __RELAY_NOTES__: JSON.stringify(notes) },
    build: {
      ssr: true,
      target: 'node20',
      outDir: dir,
      emptyOutDir: false,
      minify: false,
      sourcemap: false,
      rollupOptions: {
        input: { index: join(root, 'src/relay/index.ts'), cli: join(root, 'src/relay/cli.ts'), workers: join(root, 'src/relay/workers.ts') },
        output: {
          format: 'es',
          entryFileNames: '[name].js',
          chunkFileNames: 'chunks/[name].js',
          banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
        },
      },
    },
  });
  const tsconfig = join(out, 'tsconfig.relay.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: relative(out, join(root, 'tsconfig.json')),
      compilerOptions: { noEmit: false, declaration: true, emitDeclarationOnly: true, outDir: join(dir, 'types'), rootDir: join(root, 'src') },
      include: [join(root, 'src/relay/index.ts'), join(root, 'src/relay/workers.ts'), join(root, 'src/widget/env.d.ts')],
    }),
  );
  run('npx', ['tsc', '-p', tsconfig]);
  rmSync(tsconfig);
  addDeclarationExtensions(join(dir, 'types'));
  writeManifest(dir, {
    name: 'socialboards-ticket-relay',
    description: 'The relay of the Socialboards ticket widget: holds the credentials, checks and forwards tickets.',
    bin: { 'socialboards-ticket-relay': 'cli.js' },
    exports: RELAY_EXPORTS,
    dependencies: importedDependencies(dir),
  });
  writeFileSync(
    join(dir, 'README.md'),
    `# socialboards-ticket-relay

The relay of the Socialboards ticket widget (\`socialboards-ticket-widget\`): it holds the
Socialboards credentials, checks each ticket and forwards it.

- As a command: \`npx socialboards-ticket-relay\`, configured by environment variables;
  \`npx socialboards-ticket-relay --help\` lists every one with its default. It runs the relay in
  a Node it starts with V8's young generation fixed (\`RELAY_SEMI_SPACE_MB\`, 32 MB; \`0\`: one
  process) and stands in for it: signals passed on, its exit code returned (docs/relay.md, "The
  command's two processes").
- As a library: \`startRelay(parseRelayConfig(process.env))\`, or \`buildRelay(config, deps)\` for
  the Hono app to mount in your own Node server.
- On Cloudflare Workers: \`main = "node_modules/socialboards-ticket-relay/workers.js"\` in your
  wrangler.toml (with \`compatibility_flags = ["nodejs_compat"]\` and the Durable Object bindings
  the repository's README lists under "Relay on Cloudflare Workers").

Full documentation: the repository's README ("The relay") and docs/relay.md.
`,
  );
}

rmSync(out, { recursive: true, force: true });
buildWidget();
await buildRelay();
console.log(`packages: ${relative(root, out)}/widget, ${relative(root, out)}/relay`);
