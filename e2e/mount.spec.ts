/** mount() from page script: two independent widgets, idempotent per target, and a clean unmount. */
import { expect, test } from './fixtures';

declare global {
  interface Window {
    __listenerProbe: { count(): number; types(): string[] };
    __handles: { unmount(): void }[];
  }
}

test('two widgets mount independently and unmount without a trace', async ({ page, stack }) => {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${stack.pageUrl}/two-widgets.html`);
  const before = await page.evaluate(() => ({
    listeners: window.__listenerProbe.count(),
    nodes: document.querySelectorAll('*').length,
    styles: document.styleSheets.length,
    adopted: document.adoptedStyleSheets.length,
  }));

  await page.evaluate(() => {
    const relay = document.body.dataset.relay as string;
    const api = window.SocialboardsTicket;
    if (!api) throw new Error('SocialboardsTicket is not defined');
    const first = api.mount('#first', { relay });
    const second = api.mount(document.getElementById('second') as Element, { relay, locale: 'nb' });
    const again = api.mount('#first', { relay });
    if (again !== first) throw new Error('mounting twice returned a new handle');
    window.__handles = [first, second];
  });
  await expect(page.locator('[data-socialboards-ticket]')).toHaveCount(2);
  await expect(page.locator('#first').getByRole('heading', { name: 'Contact us' })).toBeVisible();
  await expect(page.locator('#second').getByRole('heading', { name: 'Kontakt oss' })).toBeVisible();
  await expect(page.locator('#first form')).toHaveCount(1);

  // Independent: an error in one leaves the other untouched.
  await page.locator('#first').getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('#first').getByRole('alert')).toBeVisible();
  await expect(page.locator('#second').getByRole('alert')).toHaveCount(0);
  await page.locator('#second').getByLabel('Emne').fill('Hei');
  await expect(page.locator('#first').getByLabel('Subject')).toHaveValue('');

  await page.evaluate(() => {
    for (const handle of window.__handles) handle.unmount();
    window.__handles[0]?.unmount();
  });
  const after = await page.evaluate(() => ({
    listeners: window.__listenerProbe.count(),
    nodes: document.querySelectorAll('*').length,
    styles: document.styleSheets.length,
    adopted: document.adoptedStyleSheets.length,
  }));
  expect(after).toEqual(before);
  await expect(page.locator('[data-socialboards-ticket]')).toHaveCount(0);
  expect(errors.filter((text) => !text.includes('already mounted'))).toEqual([]);
});

test('a bad option gives one clear console error and leaves the page working', async ({ page, stack }) => {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${stack.pageUrl}/two-widgets.html`);
  const handle = await page.evaluate(() => {
    // Options as a careless integrator might write them, hence the cast.
    const options = { relay: 'ftp://nope', colour: 'red' } as unknown as Parameters<NonNullable<typeof window.SocialboardsTicket>['mount']>[1];
    const result = window.SocialboardsTicket?.mount('#first', options);
    return { element: result?.element ?? null };
  });
  expect(handle.element).toBeNull();
  expect(errors).toEqual([
    '[SocialboardsTicket] option "relay" must be an http(s) URL; got "ftp://nope"',
    '[SocialboardsTicket] unknown option "colour" was ignored',
  ]);
  await expect(page.locator('[data-socialboards-ticket]')).toHaveCount(0);
});
