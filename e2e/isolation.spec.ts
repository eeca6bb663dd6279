/**
 * Isolation in Chromium: the widget looks the same on a clean page and on pages whose styles try
 * to reach it (universal `!important` rules on every inherited property, element rules on `div`,
 * `button` and `input`, a 62.5 % root font size, a CSS reset), pixel for pixel within a small
 * tolerance; and the page's own elements look the same with and without the widget.
 */
import type { Page } from '@playwright/test';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { expect, test } from './fixtures';

const HOSTILE = ['universal', 'elements', 'root-font', 'reset'] as const;

/** Share of pixels that may differ: anti-aliasing at the edges, nothing a visitor would see. */
const TOLERANCE = 0.001;

/** The widget's own box, inside its shadow root, once its form is ready. */
async function widgetShot(page: Page, url: string): Promise<PNG> {
  await page.goto(url);
  await expect(page.getByLabel('Subject', { exact: true })).toBeEnabled();
  // A field with a message and a focused control: error colours and the focus ring are compared too.
  await page.getByLabel('Email', { exact: true }).fill('not an address');
  await page.getByLabel('Subject', { exact: true }).focus();
  await expect(page.getByText('Enter an email address like name@example.com.')).toBeVisible();
  return PNG.sync.read(await page.locator('[data-socialboards-ticket] .root').screenshot({ animations: 'disabled', caret: 'hide' }));
}

/** The top left `width` × `height` pixels of `image`, as RGBA bytes. */
function crop(image: PNG, width: number, height: number): Uint8Array {
  const out = new PNG({ width, height });
  PNG.bitblt(image, out, 0, 0, width, height, 0, 0);
  return out.data;
}

/** Computed styles of the page's own elements that a leaking stylesheet would change. */
function hostStyles(page: Page) {
  return page.evaluate(() =>
    ['#host-heading', '#host-text', '#host-button', 'body'].map((selector) => {
      const style = getComputedStyle(document.querySelector(selector)!);
      return [selector, style.font, style.color, style.background, style.margin, style.padding, style.lineHeight, style.letterSpacing, style.boxSizing];
    }),
  );
}

test('host styles change nothing inside the widget, and the widget changes nothing of the page', async ({ page, stack }) => {
  // Nine page loads and five screenshots: more than the default 30 s on a busy two-core machine.
  test.slow();
  const clean = await widgetShot(page, `${stack.pageUrl}/isolation/clean.html`);
  const differences: Record<string, number> = {};
  for (const name of HOSTILE) {
    const url = `${stack.pageUrl}/isolation/${name}.html`;
    const shot = await widgetShot(page, url);
    await page.screenshot({ path: `test-results/screens/isolation-${name}.png`, fullPage: true });
    // The same size, give or take the one pixel a fractional position on the page rounds to.
    expect(Math.abs(shot.width - clean.width), `${name}: width`).toBeLessThanOrEqual(1);
    expect(Math.abs(shot.height - clean.height), `${name}: height`).toBeLessThanOrEqual(1);
    const width = Math.min(shot.width, clean.width);
    const height = Math.min(shot.height, clean.height);
    const diff = new PNG({ width, height });
    const changed = pixelmatch(crop(clean, width, height), crop(shot, width, height), diff.data, width, height, { threshold: 0.1 });
    differences[name] = changed / (width * height);
    if (differences[name] > TOLERANCE) await import('node:fs').then(({ writeFileSync }) => writeFileSync(`test-results/screens/isolation-${name}-diff.png`, PNG.sync.write(diff)));

    // The page's own elements: the same with the widget as without it.
    const withWidget = await hostStyles(page);
    await page.route('**/socialboards-ticket.js', (route) => route.abort());
    await page.goto(url);
    const withoutWidget = await hostStyles(page);
    await page.unroute('**/socialboards-ticket.js');
    expect(withWidget).toEqual(withoutWidget);
  }
  console.log('isolation: share of pixels differing from the clean page', differences);
  for (const name of HOSTILE) expect(differences[name], name).toBeLessThanOrEqual(TOLERANCE);
});

test('the host element is ours, not a div, and a page rule for div does not reach it', async ({ page, stack }) => {
  await page.goto(`${stack.pageUrl}/isolation/elements.html`);
  await expect(page.getByLabel('Subject', { exact: true })).toBeEnabled();
  const host = page.locator('[data-socialboards-ticket]');
  expect(await host.evaluate((element) => element.tagName.toLowerCase())).toBe('socialboards-ticket-widget');
  expect(await host.evaluate((element) => getComputedStyle(element).backgroundColor)).not.toBe('rgb(255, 255, 0)');
});

test('a hostile stylesheet the page adds after the widget is built changes nothing inside it either', async ({ page, stack }) => {
  const clean = await widgetShot(page, `${stack.pageUrl}/isolation/clean.html`);
  // The page's own script adds it later (a theme switch, a late-loading CSS bundle).
  await page.addStyleTag({ url: '/isolation/universal.css' });
  await expect(page.locator('#host-heading')).toHaveCSS('line-height', '69px');
  const later = PNG.sync.read(await page.locator('[data-socialboards-ticket] .root').screenshot({ animations: 'disabled', caret: 'hide' }));
  expect(later.height, 'height').toBe(clean.height);
  expect(later.width, 'width').toBe(clean.width);
  const changed = pixelmatch(clean.data, later.data, undefined, clean.width, clean.height, { threshold: 0.1 });
  console.log('isolation: share of pixels differing after a late hostile stylesheet', changed / (clean.width * clean.height));
  expect(changed / (clean.width * clean.height)).toBeLessThanOrEqual(TOLERANCE);
});
