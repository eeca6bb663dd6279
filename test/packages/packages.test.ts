/**
 * The published packages, as `npm test` builds them (`npm run build:packages` into dist/packages/):
 * packed and published (dry run) cleanly, linted by publint and @arethetypeswrong/cli, the widget installed into an empty
 * project with no server dependency arriving, typed under bundler, node16 and nodenext, and the
 * relay's command answering `--help` and `--version` from an install and sending a ticket. `npm test` runs it as its own
 * suite after the build (PACKAGES_SUITE=1); everything is installed from npm's cache (`--offline`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Miniflare } from 'miniflare';
import { startFakeSocialboards } from '../../src/fake-socialboards/server';
import { relayVariables } from '../../src/relay/variables';
import { COMPATIBILITY, bundleWorker } from '../workers/worker-bundle';
import { nodeChildren } from '../support/relay-tree';

const root = new URL('../../', import.meta.url).pathname;
const packages = { widget: join(root, 'dist/packages/widget'), relay: join(root, 'dist/packages/relay') };
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const tags = readdirSync(join(packages.widget, 'esm/locales')).filter((file) => file.endsWith('.js')).map((file) => file.slice(0, -3));

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env, timeout: 170_000 });
  return { status: result.status, out: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

interface PackedFile {
  path: string;
  size: number;
}

/** `npm pack --dry-run` of a package: its files, after printing them with their sizes. */
function dryPack(dir: string): { files: PackedFile[]; size: number; unpackedSize: number; name: string } {
  const result = run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], dir);
  expect(result.status, result.out).toBe(0);
  const [packed] = JSON.parse(result.stdout) as { name: string; files: PackedFile[]; size: number; unpackedSize: number }[];
  if (packed === undefined) throw new Error('npm pack printed nothing');
  console.log(`${packed.name}: ${packed.files.length} files, ${packed.size} B packed, ${packed.unpackedSize} B unpacked`);
  for (const file of packed.files) console.log(`  ${String(file.size).padStart(8)}  ${file.path}`);
  return packed;
}

/** Every package in a node_modules folder, scoped ones as `@scope/name`. */
function installed(nodeModules: string): string[] {
  return readdirSync(nodeModules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) => (name.startsWith('@') ? readdirSync(join(nodeModules, name)).map((inner) => `${name}/${inner}`) : [name]))
    .sort();
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/**
 * A project that depends on `tarball` alone, with a lock file whose entries are the repository's
 * own (same versions, same tarballs), so `npm ci --offline` installs it from npm's cache: npm would
 * need the registry to choose versions, and the repository's `npm ci` has cached exactly these.
 */
function projectWith(dir: string, tarball: string): void {
  const rootLock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const manifest = JSON.parse(readFileSync(join(tarball.includes('widget') ? packages.widget : packages.relay, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    dependencies: Record<string, string>;
    bin?: Record<string, string>;
  };
  const spec = `file:${tarball}`;
  const lock: Record<string, LockEntry & { bin?: Record<string, string>; license?: string }> = {
    '': { dependencies: { [manifest.name]: spec } },
    [`node_modules/${manifest.name}`]: { version: manifest.version, resolved: spec, dependencies: manifest.dependencies, ...(manifest.bin ? { bin: manifest.bin } : {}) },
  };
  // Node's lookup: a dependency of the package at `from` is the nearest node_modules/<name> up its path.
  const locate = (from: string, name: string): string => {
    for (let at = from; ; at = at.slice(0, Math.max(0, at.lastIndexOf('/node_modules/')))) {
      const path = `${at === '' ? '' : `${at}/`}node_modules/${name}`;
      if (rootLock.packages[path] !== undefined) return path;
      if (at === '') throw new Error(`package-lock.json has no ${name} for ${from || 'the root'}`);
    }
  };
  const visit = (from: string, dependencies: Record<string, string>, optional: boolean) => {
    for (const name of Object.keys(dependencies)) {
      let path: string;
      try {
        path = locate(from, name);
      } catch (error) {
        if (optional) continue;
        throw error;
      }
      if (lock[path] !== undefined) continue;
      const { dev: _dev, ...entry } = rootLock.packages[path] ?? {};
      lock[path] = entry;
      visit(path, entry.dependencies ?? {}, false);
      visit(path, entry.optionalDependencies ?? {}, true);
      visit(path, entry.peerDependencies ?? {}, true);
    }
  };
  visit(`node_modules/${manifest.name}`, manifest.dependencies, false);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { [manifest.name]: spec } }));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages: lock }));
}

/** Type-checks `files` of an installed project under bundler, node16 and nodenext resolution, strict, with the browser's types and `types`. */
function typeChecks(project: string, types: string[], files: string[]): void {
  const tsc = join(root, 'node_modules/.bin/tsc');
  for (const [module, moduleResolution] of [['esnext', 'bundler'], ['node16', 'node16'], ['nodenext', 'nodenext']] as const) {
    const args = ['--noEmit', '--strict', '--lib', 'es2022,dom', '--target', 'es2022', ...types, '--module', module, '--moduleResolution', moduleResolution, ...files];
    const checked = run(tsc, args, project);
    expect(checked.status, `${moduleResolution}: ${checked.out}`).toBe(0);
  }
}

describe.runIf(process.env.PACKAGES_SUITE === '1')('packages (dist/packages)', () => {
  let scratch = '';
  const tarballs = { widget: '', relay: '' };

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'sb-packages-'));
    for (const name of ['widget', 'relay'] as const) {
      const result = run('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], packages[name]);
      expect(result.status, result.out).toBe(0);
      tarballs[name] = join(scratch, result.stdout.trim().split('\n').pop() ?? '');
    }
  }, 180_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('packs the widget with its script tag, language packs, ES module and declarations', () => {
    const paths = dryPack(packages.widget).files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'socialboards-ticket.js', 'esm/index.js', 'esm/types/widget/index.d.ts', 'esm/types/widget/script.d.ts']));
    for (const tag of tags) expect(paths).toEqual(expect.arrayContaining([`locales/${tag}.js`, `esm/locales/${tag}.js`, `esm/types/widget/locales/${tag}.d.ts`]));
    expect(paths.filter((path) => path.includes('relay/'))).toEqual([]);
  }, 60_000);

  it('packs the relay with its command, library entry and declarations', () => {
    const paths = dryPack(packages.relay).files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'cli.js', 'index.js', 'types/relay/index.d.ts', 'workers.js', 'types/relay/workers.d.ts']));
    expect(paths.filter((path) => path.includes('widget/') && !path.endsWith('env.d.ts'))).toEqual([]);
  }, 60_000);

  it.each(['widget', 'relay'] as const)('npm publish --dry-run publishes the %s package with nothing to warn about or correct', (name) => {
    const result = run('npm', ['publish', '--dry-run', '--ignore-scripts', '--offline'], packages[name]);
    expect(result.status, result.out).toBe(0);
    expect(result.out).toContain(`+ socialboards-ticket-${name}@${version}`);
    // The one warning left is about this machine, not the package: nobody is logged in to the registry.
    const warnings = result.out.split('\n').filter((line) => line.startsWith('npm warn') && !line.includes('requires you to be logged in'));
    expect(warnings).toEqual([]);
  }, 60_000);

  it.each(['widget', 'relay'] as const)('publint finds nothing in the %s package', (name) => {
    const result = run('npx', ['publint', '--strict'], packages[name]);
    expect(result.status, result.out).toBe(0);
    expect(result.out).toContain('All good!');
  }, 60_000);

  it.each(['widget', 'relay'] as const)('@arethetypeswrong/cli finds nothing in the %s package under bundler and node16/nodenext', (name) => {
    // ES modules only (`esm-only`: node10 and require() from CommonJS are not offered); every language pack by name, since attw skips wildcards.
    const entrypoints = name === 'widget' ? ['--include-entrypoints', ...tags.map((tag) => `./locales/${tag}`)] : [];
    const result = run('npx', ['attw', '--pack', '.', '--profile', 'esm-only', '--format', 'json', ...entrypoints], packages[name]);
    expect(result.status, result.out).toBe(0);
    const { analysis } = JSON.parse(result.stdout) as { analysis: { entrypoints: Record<string, unknown>; problems: { resolutionKind?: string }[] } };
    const problems = analysis.problems.filter((problem) => problem.resolutionKind === undefined || ['bundler', 'node16-esm'].includes(problem.resolutionKind));
    expect(problems).toEqual([]);
    expect(Object.keys(analysis.entrypoints).length).toBeGreaterThan(1);
  }, 120_000);

  it('installs the widget into an empty project with only Preact, signals and valibot beside it, typed under bundler, node16 and nodenext', () => {
    const project = join(scratch, 'site');
    const nodeModules = join(project, 'node_modules');
    projectWith(project, tarballs.widget);
    const install = run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], project);
    expect(install.status, install.out).toBe(0);
    expect(installed(nodeModules)).toEqual(['@preact/signals', '@preact/signals-core', 'preact', 'socialboards-ticket-widget', 'valibot']);
    writeFileSync(
      join(project, 'site.ts'),
      [
        "import { mount, registerLocale, type MountOptions } from 'socialboards-ticket-widget';",
        "import { nb } from 'socialboards-ticket-widget/locales/nb';",
        "import 'socialboards-ticket-widget/socialboards-ticket.js';",
        "const options: MountOptions = { relay: 'https://relay.example' };",
        "registerLocale('nb', nb);",
        "export const handle = mount('#support', options);",
        'export const version: string | undefined = window.SocialboardsTicket?.version;',
        '',
      ].join('\n'),
    );
    typeChecks(project, ['--types', ''], ['site.ts']);
  }, 180_000);

  /** An operator's project with the relay package installed (once for the tests that need it). */
  let operator: string | undefined;
  const installedRelay = () => {
    if (operator !== undefined) return operator;
    const project = join(scratch, 'operator');
    projectWith(project, tarballs.relay);
    // No install scripts: better-sqlite3's native build would need the network; --help never opens it.
    const install = run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], project);
    expect(install.status, install.out).toBe(0);
    return (operator = project);
  };

  it('installs the relay whose command answers --help with every variable, --version, and starts; its library typed under bundler, node16 and nodenext', () => {
    const project = installedRelay();
    const bin = join(project, 'node_modules/.bin/socialboards-ticket-relay');
    const help = run(bin, ['--help'], project);
    expect(help.status, help.out).toBe(0);
    for (const { name } of relayVariables()) expect(help.out).toContain(`  ${name} `);
    expect(help.out).toMatch(/RELAY_PORT +\[8787\]\n +Port to listen on/);
    expect(run(bin, ['--version'], project).out.trim()).toBe(version);
    // Without its required variables the command is the relay: it names them (once: it starts once) and stops.
    const start = run(bin, [], project, { PATH: process.env.PATH });
    expect(start.status).toBe(1);
    expect(start.out.split('SOCIALBOARDS_CLIENT_ID: is required')).toHaveLength(2);
    // README's "Inside your own Node server", type-checked against the installed package (Node's types from the repository).
    writeFileSync(
      join(project, 'server.ts'),
      [
        "import { serve } from '@hono/node-server';",
        "import { getConnInfo } from '@hono/node-server/conninfo';",
        "import { Hono } from 'hono';",
        "import { buildRelay, parseRelayConfig, type RelayConfig } from 'socialboards-ticket-relay';",
        'const config: RelayConfig = parseRelayConfig(process.env);',
        'const { app: relay, startOutboxWorker } = buildRelay(config, { socketAddress: (c) => getConnInfo(c).remote.address });',
        'startOutboxWorker();',
        "const app = new Hono().route('/support', relay);",
        'serve({ fetch: app.fetch, port: 3000 });',
        '',
      ].join('\n'),
    );
    // README's wrangler.toml `main`, typed too: the Worker and its Durable Object classes.
    writeFileSync(
      join(project, 'worker.ts'),
      [
        "import worker, { ChallengeShard, IdempotencyShard, OutboxShard, RateLimitShard, type WorkerEnv } from 'socialboards-ticket-relay/workers';",
        'export default worker;',
        'export { ChallengeShard, IdempotencyShard, OutboxShard, RateLimitShard };',
        "export const bindings: WorkerEnv = { RELAY_ALLOWED_ORIGINS: 'https://shop.example' };",
        '',
      ].join('\n'),
    );
    typeChecks(project, ['--typeRoots', join(root, 'node_modules/@types'), '--types', 'node'], ['server.ts', 'worker.ts']);
  }, 180_000);
  it('runs the installed command: a ticket reaches Socialboards once, a replay is answered from its key, and SIGTERM stops it cleanly', async () => {
    const project = installedRelay();
    // The install ran no scripts (better-sqlite3 fetches or compiles its native part over the
    // network): the repository's own build of the same version stands in for it.
    const sqlite = 'node_modules/better-sqlite3';
    const versionOf = (dir: string) => (JSON.parse(readFileSync(join(dir, sqlite, 'package.json'), 'utf8')) as { version: string }).version;
    expect(versionOf(project)).toBe(versionOf(root));
    mkdirSync(join(project, sqlite, 'build/Release'), { recursive: true });
    copyFileSync(join(root, sqlite, 'build/Release/better_sqlite3.node'), join(project, sqlite, 'build/Release/better_sqlite3.node'));
    const fake = await startFakeSocialboards({ clientId: 'package-client', refreshToken: 'package-refresh-SECRET' });
    // The command as an operator starts it, on its embedded store, against the fake Socialboards.
    const relay = spawn(join(project, 'node_modules/.bin/socialboards-ticket-relay'), [], {
      cwd: project,
      env: {
        PATH: process.env.PATH,
        SOCIALBOARDS_API_URL: fake.url,
        SOCIALBOARDS_CLIENT_ID: 'package-client',
        SOCIALBOARDS_REFRESH_TOKEN: 'package-refresh-SECRET',
        RELAY_ALLOWED_ORIGINS: 'https://shop.example',
        RELAY_HOST: '127.0.0.1',
        RELAY_PORT: '0',
        RELAY_STORE_PATH: join(project, 'relay.db'),
        RELAY_ATTACHMENTS: 'off',
      },
    });
    // Runs on a timeout too, when the test's own `finally` may never come.
    onTestFinished(async () => {
      relay.kill('SIGKILL');
      await fake.close();
    });
    let out = '';
    relay.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    relay.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    relay.on('error', (error) => (out += `spawn failed: ${error.message}\n`));
    // `close`, not `exit`: it comes once the output has been read to its end.
    const exited = new Promise<number | null>((resolve) => relay.once('close', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    let url: string | undefined;
    while (url === undefined) {
      url = /relay: (http:\/\/\S+)\n/.exec(out)?.[1];
      if (relay.exitCode !== null || Date.now() > deadline) throw new Error(`the command did not start:\n${out}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const send = () =>
      fetch(`${url}/tickets`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: 'https://shop.example', 'Idempotency-Key': 'package-key-0000000000000001' },
        body: JSON.stringify({ title: 'From the package', message: 'Sent through the installed command.', creator: { email: 'ann@example.com' } }),
        signal: AbortSignal.timeout(20_000),
      });
    // It serves from the Node its launcher started with a fixed young generation (RELAY_SEMI_SPACE_MB).
    const served = nodeChildren(relay.pid ?? 0).map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
    expect(served.map((args) => args.slice(1, 3))).toEqual([['--min-semi-space-size=32', '--max-semi-space-size=32']]);
    const first = await send();
    expect(first.status, await first.clone().text()).toBe(201);
    const again = await send();
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(await first.json());
    expect(fake.state.tickets.map((ticket) => (ticket.body as { title: string }).title)).toEqual(['From the package']);
    relay.kill('SIGTERM');
    expect(await exited, out).toBe(0);
    expect(out.match(/relay: SIGTERM, finishing open requests/g)).toHaveLength(1);
  }, 180_000);
  it('bundles the relay package\'s Worker (socialboards-ticket-relay/workers) for workerd with nothing Node-only, and it answers there', async () => {
    const project = installedRelay();
    const bundle = await bundleWorker({ entry: 'socialboards-ticket-relay/workers', cwd: project });
    expect(bundle.inputs.filter((input) => /node_modules\/(better-sqlite3|ioredis|bullmq|@hono\/node-server)\//.test(input))).toEqual([]);
    expect(bundle.inputs.some((input) => input.startsWith('node_modules/socialboards-ticket-relay/'))).toBe(true);
    expect(bundle.runtimeModules.filter((name) => !name.startsWith('node:'))).toEqual([]);
    // README's wrangler.toml bindings, in workerd: the relay builds from them and answers.
    const worker = new Miniflare({
      modules: [{ type: 'ESModule', path: 'worker.mjs', contents: bundle.script }],
      ...COMPATIBILITY,
      bindings: { SOCIALBOARDS_CLIENT_ID: 'package-client', SOCIALBOARDS_REFRESH_TOKEN: 'package-refresh-SECRET', RELAY_ALLOWED_ORIGINS: 'https://shop.example', RELAY_LOG: 'silent' },
      durableObjects: Object.fromEntries(
        Object.entries({ IDEMPOTENCY: 'IdempotencyShard', RATE_LIMITS: 'RateLimitShard', OUTBOX: 'OutboxShard', CHALLENGES: 'ChallengeShard' }).map(([name, className]) => [name, { className, useSQLite: true }]),
      ),
    });
    try {
      const health = await worker.dispatchFetch('http://relay.example/healthz');
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ outbox: { queued: 0, dead: 0 } });
      const refused = await worker.dispatchFetch('http://relay.example/tickets', { method: 'POST', headers: { Origin: 'https://elsewhere.example' }, body: '{}' });
      expect(refused.status).toBe(403);
    } finally {
      await worker.dispose();
    }
  }, 180_000);
});
