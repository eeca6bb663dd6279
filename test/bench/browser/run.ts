/**
 * `npm run bench:browser`: our script-tag widget beside a floor (the least a Preact + signals +
 * valibot form needs) and Sentry's feedback widget, loaded in real Chromium from memory. Cases
 * are interleaved round by round, each load in a fresh context, so drift on a shared machine
 * falls on all three alike; only ratios from the same run are meant to be compared.
 *
 * Knobs: BENCH_RUNS (20), BENCH_WARMUPS (3), BENCH_CPU_RATES ("1,4"), BENCH_SETTLE_MS (1000), and
 * BENCH_BASELINE: the paths of earlier builds of our script (comma-separated), each measured in the
 * same run as one more case named after its folder, so a change is judged against its own "before"
 * (and variants against each other) on the same machine at the same moment.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from '../../../e2e/chromium';
import { buildFloor, buildOurs, buildSentry, sized, type Bundle } from './bundles';
import { BLANK_BODY, blankHeap, measure, SCRIPT_URL, type Case, type Sample } from './measure';
import { median, p90 } from './stats';

function whole(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name}=${raw}: expected a whole number ≥ ${min}`);
  return value;
}

const RUNS = whole('BENCH_RUNS', 20, 1);
const WARMUPS = whole('BENCH_WARMUPS', 3, 0);
const SETTLE_MS = whole('BENCH_SETTLE_MS', 1000, 0);
const CPU_RATES = (process.env.BENCH_CPU_RATES ?? '1,4').split(',').map((rate) => {
  const value = Number(rate);
  if (!(value >= 1)) throw new Error(`BENCH_CPU_RATES: "${rate}" is not a rate ≥ 1`);
  return value;
});

const started = performance.now();
console.log('building: ours (npm run build), floor and Sentry (Vite, in memory)…');
const ours = buildOurs();
const floor = await buildFloor();
const sentry = await buildSentry();
/** Earlier builds, each named after its folder (`/tmp/before/socialboards-ticket.js` is "before"). */
const BASELINES: [string, Bundle][] = (process.env.BENCH_BASELINE ?? '')
  .split(',')
  .filter(Boolean)
  .map((path) => [basename(dirname(resolve(path))), sized(readFileSync(path, 'utf8'))]);
if (new Set(['ours', 'floor', 'Sentry', ...BASELINES.map(([name]) => name)]).size !== 3 + BASELINES.length) {
  throw new Error('BENCH_BASELINE: each build must sit in a folder of its own name, other than ours, floor or Sentry');
}

const RELAY = 'http://127.0.0.1:9/relay';
const tag = (attributes = '') => `${BLANK_BODY}<script src="${SCRIPT_URL}"${attributes}></script>`;
const CASES: Case[] = [
  // Ours mounts itself from its tag. Its relay holds the form definition's request unanswered, so
  // only the built-in fields render, as they do before any relay answers.
  { name: 'ours', body: tag(` data-relay="${RELAY}"`), script: ours.code, keystrokeField: 'Subject', pending: RELAY },
  { name: 'floor', body: tag(), script: floor.code, keystrokeField: 'Subject' },
  { name: 'Sentry', body: tag(), script: sentry.code },
  ...BASELINES.map(([name, build]) => ({ name, body: tag(` data-relay="${RELAY}"`), script: build.code, keystrokeField: 'Subject', pending: RELAY })),
];
const BUNDLES: [string, Bundle][] = [['ours', ours], ['floor', floor], ['Sentry', sentry], ...BASELINES];

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
/** One table line: a label, then right-aligned columns. */
const line = (label: string, cells: string[]) => console.log(`  ${label.padEnd(24)}${cells.map((text) => ` ${text.padStart(13)}`).join('')}`);
const NAMES = BUNDLES.map(([name]) => name);
/** Ours against each other case. */
const AGAINST = NAMES.filter((name) => name !== 'ours');
const HEADER = [...NAMES, ...AGAINST.map((name) => `ours/${name}`)];

function printSizes() {
  const rows: [string, (bundle: Bundle) => number][] = [
    ['raw', (bundle) => Buffer.byteLength(bundle.code)],
    ['gzip -9', (bundle) => bundle.gzip],
    ['brotli -q 11', (bundle) => bundle.brotli],
  ];
  console.log('\nscript size');
  line('', HEADER);
  for (const [label, of] of rows) {
    const sizes = BUNDLES.map(([, bundle]) => of(bundle));
    line(label, [...sizes.map(kb), ...sizes.slice(1).map((size) => ratio(of(ours), size))]);
  }
}

/** Samples per case at one CPU rate, and the blank page's heaps: warm-ups first (discarded), then RUNS rounds. */
async function measureRate(browser: Browser, cpuRate: number) {
  const samples = new Map<string, Sample[]>(CASES.map(({ name }) => [name, []]));
  const blank: number[] = [];
  const options = { cpuRate, settleMs: SETTLE_MS, timeoutMs: 30_000 * cpuRate };
  const loads = [
    async (counted: boolean) => {
      const heap = await blankHeap(browser, options);
      if (counted) blank.push(heap);
    },
    ...CASES.map((testCase) => async (counted: boolean) => {
      const sample = await measure(browser, testCase, options);
      if (counted) samples.get(testCase.name)?.push(sample);
    }),
  ];
  for (let round = 0; round < WARMUPS + RUNS; round++) {
    // Each round starts with a different load, so none always follows the same neighbour.
    for (let index = 0; index < loads.length; index++) await loads[(index + round) % loads.length]?.(round >= WARMUPS);
    process.stdout.write(round < WARMUPS ? 'w' : '.');
  }
  process.stdout.write('\n');
  return { samples, blank };
}

function printRate(cpuRate: number, { samples, blank }: { samples: Map<string, Sample[]>; blank: number[] }) {
  const of = (name: string) => samples.get(name) ?? [];
  const startup = (name: string) => of(name).map((sample) => sample.startupMs);
  const keystroke = (name: string) => of(name).flatMap((sample) => (sample.keystrokeMs === undefined ? [] : [sample.keystrokeMs]));
  // Heap over blank is taken round by round, against the blank page loaded in the same round.
  const overBlank = (name: string) => of(name).map((sample, round) => sample.heapBytes - (blank[round] ?? 0));
  const ms = (digits: number) => (value: number) => value.toFixed(digits);
  const rows: [string, (name: string) => number[], (values: readonly number[]) => number, (value: number) => string][] = [
    ['startup ms, median', startup, median, ms(1)],
    ['startup ms, p90', startup, p90, ms(1)],
    ['long tasks, count', (name) => of(name).map((s) => s.longTaskCount), median, ms(0)],
    ['long tasks, total ms', (name) => of(name).map((s) => s.longTaskTotalMs), median, ms(0)],
    ['longest task ms', (name) => of(name).map((s) => s.longTaskMaxMs), median, ms(0)],
    ['heap over blank', overBlank, median, kb],
    ['keystroke ms, median', keystroke, median, ms(1)],
    ['keystroke ms, p90', keystroke, p90, ms(1)],
  ];
  console.log(`\nCPU ${cpuRate}×, ${RUNS} runs each (medians unless marked)`);
  line('', HEADER);
  for (const [label, values, statistic, format] of rows) {
    const [o, ...others] = NAMES.map((name) => {
      const list = values(name);
      return list.length ? statistic(list) : undefined;
    });
    const shown = (value: number | undefined) => (value === undefined ? '—' : format(value));
    const share = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '—' : ratio(a, b));
    line(label, [shown(o), ...others.map(shown), ...others.map((other) => share(o, other))]);
  }
}

printSizes();
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
try {
  for (const cpuRate of CPU_RATES) {
    console.log(`\nCPU ${cpuRate}×: ${WARMUPS} warm-up and ${RUNS} measured rounds of a blank page, ${CASES.map(({ name }) => name).join(', ')}`);
    printRate(cpuRate, await measureRate(browser, cpuRate));
  }
} finally {
  await browser.close();
}
console.log(`
startup: the script's responseEnd to the first enabled input or textarea in a shadow root.
long tasks: over 50 ms, from navigation until ${SETTLE_MS} ms after startup (medians per load).
heap: JS heap in use after a forced GC, minus a blank page's in the same round.
keystroke: an empty "Subject" left so its message shows, then one key: keydown to the message leaving the DOM.
sizes: the script as served; gzip level 9, brotli quality 11.
took ${((performance.now() - started) / 1000).toFixed(0)} s`);
