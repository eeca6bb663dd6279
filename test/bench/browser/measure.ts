/**
 * One measured page load: a fresh browser context, the page and its script served from memory
 * (every other request aborted), the CPU throttled over CDP, then the figures the probe
 * (probe.js) and DevTools give.
 */
import { fileURLToPath } from 'node:url';
import type { Browser, CDPSession, Page } from '@playwright/test';

/**
 * Where the pages claim to live. Nothing is fetched from there: `route` answers, aborts or holds
 * every request.
 */
const ORIGIN = 'http://127.0.0.1:9';
export const SCRIPT_URL = `${ORIGIN}/widget.js`;
const PAGE_URL = `${ORIGIN}/`;
const PROBE = fileURLToPath(new URL('./probe.js', import.meta.url));
/** The host page's own content, the same in every case. */
export const BLANK_BODY = '<main><h1>Page</h1><p>A page that embeds a form.</p></main>';

export interface Case {
  name: string;
  /** The page's body, with a `<script src="${SCRIPT_URL}">` that loads `script`. */
  body: string;
  /** The script served at SCRIPT_URL. */
  script: string;
  /** Label of a required text field whose message the keystroke measurement clears, if measured. */
  keystrokeField?: string;
  /**
   * A URL prefix whose requests are held unanswered until the page closes: a server still working
   * on its answer. Ours points its relay here, so the page is measured as it is before the relay
   * answers, with the request in flight. Aborting it instead would measure the failure path (a
   * retry, the error shown) and Chromium's own cost of a failed `fetch`, about 77 KB of JS heap
   * more than a successful one on a blank page: neither is what a visitor's page goes through.
   */
  pending?: string;
}

export interface Sample {
  /** From the script's responseEnd to the first enabled input or textarea in a shadow root, ms. */
  startupMs: number;
  longTaskCount: number;
  longTaskTotalMs: number;
  longTaskMaxMs: number;
  /** JS heap in use after a forced garbage collection, bytes. */
  heapBytes: number;
  /** From keydown to the field's validation message leaving the DOM, ms. */
  keystrokeMs?: number;
}

export interface RunOptions {
  cpuRate: number;
  /** How long to let the page settle after it is ready, before long tasks and heap are read. */
  settleMs: number;
  timeoutMs: number;
}

/** Settles like `promise`, or fails with `what` once `ms` have passed. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function heapAfterGc(session: CDPSession): Promise<number> {
  await session.send('HeapProfiler.collectGarbage');
  const { usedSize } = await session.send('Runtime.getHeapUsage');
  return usedSize;
}

/**
 * Blurs the empty field so its "required" message shows, then types one character into it and
 * returns the time from that keydown to the message leaving the DOM.
 */
async function keystrokeLatency(page: Page, label: string, timeoutMs: number): Promise<number> {
  const field = page.getByRole('textbox', { name: label, exact: true });
  await field.focus();
  await field.blur();
  await page.waitForFunction('window.__bench.invalidField()', undefined, { timeout: timeoutMs });
  await field.focus();
  await page.evaluate('window.__bench.armKeystroke()');
  await page.keyboard.press('x');
  return await within(page.evaluate('window.__bench.keystroke()') as Promise<number>, timeoutMs, 'the validation message did not leave after a keystroke');
}

/**
 * Opens a page in a fresh context at the given CPU rate, with `body` and `script` served from
 * memory and every other request aborted, hands it to `use`, and closes the context.
 */
async function withPage<T>(
  browser: Browser,
  served: { title: string; body: string; script?: string; pending?: string },
  options: RunOptions,
  use: (page: Page, session: CDPSession) => Promise<T>,
): Promise<T> {
  const context = await browser.newContext();
  try {
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url === PAGE_URL) {
        return route.fulfill({
          contentType: 'text/html; charset=utf-8',
          body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${served.title}</title></head><body>${served.body}</body></html>`,
        });
      }
      if (url === SCRIPT_URL && served.script !== undefined) {
        return route.fulfill({ contentType: 'text/javascript; charset=utf-8', body: served.script });
      }
      // Left unanswered: Playwright cancels the request when the context closes.
      if (served.pending && url.startsWith(served.pending)) return;
      return route.abort();
    });
    await context.addInitScript({ path: PROBE });
    const page = await context.newPage();
    const session = await context.newCDPSession(page);
    await session.send('Emulation.setCPUThrottlingRate', { rate: options.cpuRate });
    page.setDefaultTimeout(options.timeoutMs);
    await page.goto(PAGE_URL);
    return await use(page, session);
  } finally {
    await context.close();
  }
}

/** The JS heap of a page with no widget (but the same probe), after it settled: the baseline. */
export function blankHeap(browser: Browser, options: RunOptions): Promise<number> {
  return withPage(browser, { title: 'blank', body: BLANK_BODY }, options, async (page, session) => {
    await page.waitForTimeout(options.settleMs);
    return heapAfterGc(session);
  });
}

/** Loads one case in a fresh context and measures it. */
export function measure(browser: Browser, testCase: Case, options: RunOptions): Promise<Sample> {
  return withPage(browser, { title: testCase.name, body: testCase.body, script: testCase.script, pending: testCase.pending }, options, async (page, session) => {
    // Awaiting the probe's promise rather than polling keeps the runner off the throttled CPU.
    await within(page.evaluate('window.__bench.ready'), options.timeoutMs, `${testCase.name}: no enabled input in a shadow root`);
    await page.waitForTimeout(options.settleMs);
    const probe = (await page.evaluate(`window.__bench.result(${JSON.stringify(SCRIPT_URL)})`)) as {
      responseEnd: number | null;
      readyAt: number;
      longTasks: { duration: number }[];
    };
    if (probe.responseEnd === null) throw new Error(`${testCase.name}: no resource timing entry for the script`);
    const durations = probe.longTasks.map(({ duration }) => duration);
    const sample: Sample = {
      startupMs: probe.readyAt - probe.responseEnd,
      longTaskCount: durations.length,
      longTaskTotalMs: durations.reduce((sum, duration) => sum + duration, 0),
      longTaskMaxMs: Math.max(0, ...durations),
      heapBytes: await heapAfterGc(session),
    };
    if (testCase.keystrokeField) {
      sample.keystrokeMs = await keystrokeLatency(page, testCase.keystrokeField, options.timeoutMs).catch((error: unknown) => {
        throw new Error(`${testCase.name}: keystroke latency`, { cause: error });
      });
    }
    return sample;
  });
}
