/** The loader snippet in Chromium: commands queued before the script arrives run in order once it does, and the script is safe to include twice. */
import { expect, test } from './fixtures';

test('queued commands run in order once the script arrives; a second copy changes nothing', async ({ page, stack }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  // The script arrives late, so every command is queued first.
  await page.route('**/socialboards-ticket.js*', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    await route.continue();
  });
  await page.goto(`${stack.pageUrl}/loader/index.html`);
  await expect(page.locator('#help').getByRole('heading', { name: 'Contact us' })).toBeVisible();
  await expect.poll(() => page.evaluate(() => (window as unknown as { loaderLog: string[] }).loaderLog)).toEqual(['first', 'mounted: 1, version string']);
  // Both copies ran; one widget, one API, the queue replayed once.
  await page.waitForLoadState('load');
  expect(await page.locator('[data-socialboards-ticket]').count()).toBe(1);
  expect(await page.evaluate(() => window.SocialboardsTicket === (window as unknown as { firstApi: unknown }).firstApi)).toBe(true);
  expect(errors).toEqual([
    expect.stringContaining('a queued command failed'),
    '[SocialboardsTicket] unknown command "open-everything" in SocialboardsTicket.q',
  ]);

  // After the script is here, a push runs at once.
  const now = await page.evaluate(() => {
    let ran = false;
    window.SocialboardsTicket?.q.push(() => {
      ran = true;
    });
    return ran;
  });
  expect(now).toBe(true);
});
