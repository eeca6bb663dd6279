/** Windows' high-contrast mode (forced colours) in Chromium: a chosen pill still looks chosen. */
import { PNG } from 'pngjs';
import { expect, test } from './fixtures';

/** The mean brightness (0–255) of what the element shows: forced colours change pixels, not computed styles. */
async function brightness(shot: Buffer): Promise<number> {
  const { data } = PNG.sync.read(shot);
  let sum = 0;
  for (let index = 0; index < data.length; index += 4) sum += ((data[index] ?? 0) + (data[index + 1] ?? 0) + (data[index + 2] ?? 0)) / 3;
  return sum / (data.length / 4);
}

test('in forced colours a chosen pill is drawn in the system highlight, unlike the others', async ({ page, stack }) => {
  await page.emulateMedia({ forcedColors: 'active' });
  await page.goto(stack.pageUrl);
  await page.getByRole('radio', { name: 'Praise' }).check();
  await page.getByLabel('Subject', { exact: true }).focus();
  const pills = page.locator('[data-socialboards-ticket] .pills').first();
  await pills.screenshot({ path: 'test-results/screens/forced-colors-pills.png' });
  const spans = pills.locator('span');
  const [question, praise, suggestion] = await Promise.all([0, 1, 2].map(async (index) => brightness(await spans.nth(index).screenshot())));
  // The unchosen look alike; the chosen one stands apart.
  expect(Math.abs((question ?? 0) - (suggestion ?? 0))).toBeLessThan(15);
  expect(Math.abs((praise ?? 0) - (question ?? 0))).toBeGreaterThan(60);
});
