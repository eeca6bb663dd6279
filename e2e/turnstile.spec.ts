/**
 * Turnstile in Chromium: the provider's script replaced by a stand-in (page.route), the relay
 * verifying tokens at a local siteverify stand-in, the page's CSP as docs/spam.md gives it.
 */
import { expect } from './fixtures';
import { SITE_KEYS, providerScript, typeForm, withSiteverify } from './spam-support';

const turnstile = withSiteverify('turnstile');
turnstile.use({ formConfig: '' });

turnstile('Turnstile: rendered in the widget’s shadow root; a refused token is reset and a new one goes through', async ({ page, stack, siteverify }) => {
  const scripts: string[] = [];
  await page.route('https://challenges.cloudflare.com/**', (route) => {
    scripts.push(route.request().url());
    return route.fulfill({ contentType: 'text/javascript', body: providerScript('turnstile', ['token-the-provider-refuses', 'token-good']) });
  });
  siteverify.issue('token-good', { hostname: '127.0.0.1', action: 'ticket' });
  const violations: string[] = [];
  page.on('console', (message) => void (/Content Security Policy/.test(message.text()) && violations.push(message.text())));

  await page.goto(stack.pageUrl);
  await typeForm(page);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('alert')).toHaveText('Please complete the check that you are not a robot, then press Send again.');

  await page.getByLabel('Verify you are human (stand-in)').check();
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('alert')).toHaveText(
    'The check that you are not a robot failed or expired, so it has been reset. Please complete it again if asked and press Send.',
  );
  await expect(page.getByLabel('Verify you are human (stand-in)')).not.toBeChecked();
  await page.locator('[data-socialboards-ticket]').screenshot({ path: 'test-results/screens/challenge-failed.png' });
  await expect(page.getByLabel('Message')).toHaveValue('Hello I want to buy a new car, how can I get a price list?');
  expect(await stack.tickets()).toHaveLength(0);

  await page.getByLabel('Verify you are human (stand-in)').check();
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('heading', { name: 'Thank you!' })).toBeVisible();
  expect(await stack.tickets()).toHaveLength(1);

  expect(scripts).toEqual(['https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit']);
  expect(await page.evaluate(() => (window as unknown as { __renders: unknown[] }).__renders)).toEqual([
    { options: { sitekey: SITE_KEYS.turnstile, action: 'ticket' }, inShadowRoot: true },
  ]);
  expect(siteverify.requests.map((request) => request.response)).toEqual(['token-the-provider-refuses', 'token-good']);
  expect(violations).toEqual([]);
});
