/** Where the script tag puts the widget: next to itself, at the end of the body, or in its target. */
import { expect, test } from './fixtures';

test('a tag in the body without a target puts the widget right after itself', async ({ page, stack }) => {
  await page.goto(`${stack.pageUrl}/tag-in-body.html`);
  await expect(page.getByRole('heading', { name: 'Contact us' })).toBeVisible();
  const order = await page.evaluate(() => [...document.body.children].map((child) => child.id || child.tagName.toLowerCase()));
  expect(order).toEqual(['before', 'script', 'socialboards-ticket-place', 'after']);
  await expect(page.locator('body > socialboards-ticket-place > socialboards-ticket-widget[data-socialboards-ticket]')).toHaveCount(1);
  await expect(page.getByLabel('Subject')).toBeEnabled();
});

test('a tag in the head goes to the end of the body, and a target later in the page is found', async ({ page, stack }) => {
  await page.goto(`${stack.pageUrl}/tag-in-head.html`);
  // Without a target: appended to the body once it is parsed, after everything in it.
  await expect(page.locator('body > socialboards-ticket-place:last-child > [data-socialboards-ticket]').getByRole('heading', { name: 'Contact us' })).toBeVisible();
  // With a target that comes after the tag: mounted into it once the page is parsed.
  await expect(page.locator('#support > [data-socialboards-ticket]').getByRole('heading', { name: 'Kontakt oss' })).toBeVisible();
  await expect(page.locator('[data-socialboards-ticket]')).toHaveCount(2);
});
