#!/usr/bin/env node
// `npm test`: every suite, in order, each run even when an earlier one failed, so one run shows
// everything. Ends with the line `N passed, N failed` summed over all suites; exits 1 if any failed.
//   build + size  the widget bundles; size-limit holds the script tag under 25 KB gzip
//   check         type-check and lint (npm run check)
//   packages      the two packages (npm run build:packages): packed, publint, attw, installed offline
//   vitest        unit, component and integration tests (each relay harness records what it saw)
//   leak-scan     every relay answer and log line the integration tests saw, scanned for secrets
//   abuse         the abuse suite (floods, slow clients, upstream trouble) alone on the machine
//   e2e           Playwright in Chromium
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';

const reports = '.reports';
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

const results = [];

function run(command, args, env = {}) {
  console.log(`\n$ ${[command, ...args].join(' ')}`);
  const started = Date.now();
  const child = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return { ok: child.status === 0, seconds: (Date.now() - started) / 1000 };
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

// build + size
const build = run('npm', ['run', '-s', 'build']);
if (build.ok) {
  const size = spawnSync('npx', ['size-limit', '--json'], { encoding: 'utf8' });
  let entries = [];
  try {
    entries = JSON.parse(size.stdout);
  } catch {
    console.log(size.stdout, size.stderr);
  }
  for (const entry of entries) {
    console.log(`size: ${entry.name}: ${entry.size} B (limit ${entry.sizeLimit} B) ${entry.passed ? 'ok' : 'TOO LARGE'}`);
  }
  const passed = entries.filter((entry) => entry.passed).length;
  results.push({ suite: 'size', passed, failed: entries.length - passed || (size.status === 0 ? 0 : 1) });
} else {
  results.push({ suite: 'build', passed: 0, failed: 1 });
}

// check
const check = run('npm', ['run', '-s', 'check']);
results.push({ suite: 'check', passed: check.ok ? 1 : 0, failed: check.ok ? 0 : 1 });

/** A Vitest run of some files as a suite of its own, with `env`. */
function vitestSuite(suite, files, env) {
  const report = `${reports}/${suite}.json`;
  const outcome = run('npx', ['vitest', 'run', ...files, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], env);
  const json = readJson(report);
  results.push(
    json
      ? { suite, passed: json.numPassedTests, failed: json.numFailedTests + (outcome.ok || json.numFailedTests ? 0 : 1) }
      : { suite, passed: 0, failed: 1 },
  );
}

// packages (needs the build)
if (build.ok) {
  if (run('npm', ['run', '-s', 'build:packages']).ok) vitestSuite('packages', ['test/packages'], { PACKAGES_SUITE: '1' });
  else results.push({ suite: 'packages', passed: 0, failed: 1 });
}

// vitest (each relay harness records what it saw, for the leak scan)
const leakCorpus = `${reports}/leak-corpus`;
vitestSuite('vitest', [], { LEAK_CORPUS_DIR: leakCorpus });

// leak-scan (needs what vitest recorded)
vitestSuite('leak-scan', ['test/security/leak-corpus'], { LEAK_SCAN: '1', LEAK_CORPUS_DIR: leakCorpus });

// abuse
vitestSuite('abuse', ['test/abuse'], { ABUSE_SUITE: '1' });

// e2e (needs the build)
if (build.ok) {
  const e2eReport = `${reports}/playwright.json`;
  const e2e = run('npx', ['playwright', 'test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: e2eReport });
  const stats = readJson(e2eReport)?.stats;
  results.push(
    stats
      ? { suite: 'e2e', passed: stats.expected + stats.flaky, failed: stats.unexpected + (e2e.ok || stats.unexpected ? 0 : 1) }
      : { suite: 'e2e', passed: 0, failed: 1 },
  );
}

console.log('\nSuites:');
for (const { suite, passed, failed } of results) console.log(`  ${suite}: ${passed} passed, ${failed} failed`);
const passed = results.reduce((sum, r) => sum + r.passed, 0);
const failed = results.reduce((sum, r) => sum + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
