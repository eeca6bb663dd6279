/**
 * Languages in Chromium: Arabic mirrors the layout on a right-to-left page, English stays left to
 * right there, and packs read right on a page in a legacy charset because of their byte-order mark.
 */
import { expect, test } from './fixtures';

const ROOT = '[data-socialboards-ticket] .root';

test('Arabic on a right-to-left page: lang and dir on our root, labels on the right, the layout mirrored', async ({ page, stack }) => {
  await page.goto(`${stack.pageUrl}/rtl-ar.html`);
  const root = page.locator(ROOT);
  await expect(root).toHaveAttribute('lang', 'ar');
  await expect(root).toHaveAttribute('dir', 'rtl');
  await expect(page.getByRole('heading', { name: 'اتصل بنا' })).toBeVisible();
  // An empty Send: the alert's border is on the right, the start of an Arabic line.
  await page.getByRole('button', { name: 'إرسال' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('يُرجى تصحيح الحقول المحددة.');
  // The summary names the fields in Arabic too (a custom field's label is the form config's own).
  await expect(alert.getByRole('link').first()).toHaveText('الموضوع: هذا الحقل مطلوب.');
  // The operator's label for a custom field, in Arabic from the relay's form config (GET /form?locale=ar).
  await expect(page.getByLabel('ماذا حدث؟')).toHaveAttribute('placeholder', 'أخبرنا بما لاحظته');
  const border = await alert.evaluate((element) => {
    const style = getComputedStyle(element);
    return { right: style.borderRightWidth, left: style.borderLeftWidth };
  });
  expect(border).toEqual({ right: '4px', left: '0px' });
  // Labels and the heading start at the right edge of their box, as Arabic text does.
  const edges = await root.evaluate((element) =>
    [...element.querySelectorAll('h2, .field:not(.check) > label, legend')].map((item) => {
      const box = item.parentElement!;
      const style = getComputedStyle(box);
      const range = document.createRange();
      range.selectNodeContents(item);
      const inner = box.getBoundingClientRect().right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth);
      return { text: item.textContent, right: range.getBoundingClientRect().right, inner };
    }),
  );
  expect(edges.length).toBeGreaterThan(3);
  for (const edge of edges) expect(edge.right, edge.text ?? '').toBeGreaterThan(edge.inner - 2);
  // No horizontal scrolling appears on the page.
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true);
  await page.locator('[data-socialboards-ticket]').screenshot({ path: 'test-results/screens/rtl-ar.png' });
});

test('English on a right-to-left page stays left to right inside the widget', async ({ page, stack }) => {
  await page.goto(`${stack.pageUrl}/rtl-en.html`);
  const root = page.locator(ROOT);
  await expect(root).toHaveAttribute('lang', 'en');
  await expect(root).toHaveAttribute('dir', 'ltr');
  await expect(page.getByRole('heading', { name: 'Contact us' })).toBeVisible();
  expect(await root.evaluate((element) => getComputedStyle(element).direction)).toBe('ltr');
  await page.getByRole('button', { name: 'Send' }).click();
  const border = await page.getByRole('alert').evaluate((element) => getComputedStyle(element).borderLeftWidth);
  expect(border).toBe('4px');
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true);
  await page.locator('[data-socialboards-ticket]').screenshot({ path: 'test-results/screens/rtl-en.png' });
});

test('packs read right on a windows-1252 page, their byte-order mark deciding their encoding', async ({ page, stack }) => {
  // The page in windows-1252, and the packs with no charset of their own: only the BOM says UTF-8.
  await page.route('**/legacy-charset.html', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-type': 'text/html; charset=windows-1252' } });
  });
  await page.route('**/locales/*.js', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-type': 'text/javascript' } });
  });
  // A page Playwright serves counts as outside the loopback network, so Chromium would keep it from
  // calling the relay on 127.0.0.1; Playwright passes the relay's answers on instead.
  await page.route(`${stack.relayUrl}/**`, async (route) => route.fulfill({ response: await route.fetch() }));
  await page.goto(`${stack.pageUrl}/legacy-charset.html`);
  expect(await page.evaluate(() => document.characterSet)).toBe('windows-1252');
  const swedish = page.locator('#sv [data-socialboards-ticket]');
  await expect(swedish.getByRole('heading', { name: 'Kontakta oss' })).toBeVisible();
  await expect(swedish.getByLabel('Ämne')).toBeVisible();
  await expect(swedish.getByText('Vad gäller ditt ärende?')).toBeVisible();
  const german = page.locator('#de [data-socialboards-ticket]');
  await expect(german.getByRole('button', { name: 'Dateien hinzufügen' })).toBeVisible();
  await expect(german.getByText(/oder einen Screenshot einfügen/)).toBeVisible();
  await swedish.screenshot({ path: 'test-results/screens/sv-windows-1252.png' });
});
