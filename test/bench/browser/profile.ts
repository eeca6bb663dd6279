/**
 * `npm run bench:profile`: where our widget's startup time goes. Loads the built script-tag widget
 * in Chromium from memory (like bench:browser), CPU throttled (BENCH_CPU_RATE, default 4), with the
 * V8 sampling profiler on from navigation until the first enabled input exists, over BENCH_RUNS
 * loads (default 10); prints the time spent for each source file of ours (read off the source map,
 * the DOM work it called included) and the rest by what was sampled (V8's `(program)`: parsing,
 * compiling, style; the garbage collector). A tool for finding time, not a gate.
 */
import { readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from '../../../e2e/chromium';
import { mappedSegments, partOf } from '../bundle-breakdown';
import { buildOurs } from './bundles';
import { BLANK_BODY, SCRIPT_URL } from './measure';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const CPU_RATE = Number(process.env.BENCH_CPU_RATE ?? 4);
const ours = buildOurs();
const map = JSON.parse(readFileSync('dist/socialboards-ticket.js.map', 'utf8')) as { sources: string[]; mappings: string };

const segments = mappedSegments(map.mappings);
/** Our source file (or package) at a generated position of the bundle. */
const sourceAt = (line: number, column: number) => {
  let found = -1;
  for (const one of segments) {
    if (one.line > line || (one.line === line && one.column > column)) break;
    found = one.source;
  }
  return partOf(map.sources[found] ?? '?').replace(/^src\//, '');
};

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

const totals = new Map<string, number>();
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
try {
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url === SCRIPT_URL) return route.fulfill({ body: ours.code, contentType: 'text/javascript' });
      if (url === 'http://127.0.0.1:9/') {
        return route.fulfill({ body: `<!doctype html><html lang="en"><body>${BLANK_BODY}<script src="${SCRIPT_URL}" data-relay="http://127.0.0.1:9/relay"></script></body></html>`, contentType: 'text/html' });
      }
      return route.abort();
    });
    const session = await context.newCDPSession(page);
    await session.send('Emulation.setCPUThrottlingRate', { rate: CPU_RATE });
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: 100 });
    await session.send('Profiler.start');
    await page.goto('http://127.0.0.1:9/');
    await page.waitForFunction(() => {
      const host = document.querySelector('[data-socialboards-ticket]');
      return Boolean(host?.shadowRoot?.querySelector('input:enabled,textarea:enabled'));
    });
    const { profile } = (await session.send('Profiler.stop')) as unknown as {
      profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    };
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    profile.samples.forEach((id, index) => {
      // A sample in our script, or in what it called (the DOM, the browser), counts for the deepest
      // frame of ours on the stack: "time spent because of this file", native work included.
      let key: string | undefined;
      for (let at: number | undefined = id; at !== undefined && key === undefined; at = parent.get(at)) {
        const frame = byId.get(at)?.callFrame;
        if (frame?.url === SCRIPT_URL) key = sourceAt(frame.lineNumber, frame.columnNumber);
      }
      const frame = byId.get(id)?.callFrame;
      key ??= `(${frame?.functionName || 'anonymous'})`;
      totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000 / RUNS);
    });
    await context.close();
  }
} finally {
  await browser.close();
}
const rows = [...totals].sort((a, b) => b[1] - a[1]).filter(([key, ms]) => ms >= 0.2 && key !== '((idle))');
console.log(`time per load, ms (mean of ${RUNS} loads at ${CPU_RATE}× CPU, navigation to the first enabled input; idle left out):`);
console.log('by the deepest frame of our script on the stack (what it called included); the rest by the function sampled');
for (const [key, ms] of rows) console.log(`  ${key.padEnd(48)} ${ms.toFixed(1).padStart(7)}`);
