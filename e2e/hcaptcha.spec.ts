/** hCaptcha in Chromium: its script replaced by a stand-in, the relay verifying at a local siteverify stand-in with the site key. */
import { expect } from './fixtures';
import { SECRET, SITE_KEYS, providerScript, typeForm, withSiteverify } from './spam-support';

const hcaptcha = withSiteverify('hcaptcha');
hcaptcha.use({ formConfig: '' });

hcaptcha('hCaptcha: loaded only from its own host, rendered in the shadow root, its token verified with the site key', async ({ page, stack, siteverify }) => {
  const scripts: string[] = [];
  await page.route('https://js.hcaptcha.com/**', (route) => {
    scripts.push(route.request().url());
    return route.fulfill({ contentType: 'text/javascript', body: providerScript('hcaptcha', ['h-token']) });
  });
  siteverify.issue('h-token', { hostname: '127.0.0.1' });
  const violations: string[] = [];
  page.on('console', (message) => void (/Content Security Policy/.test(message.text()) && violations.push(message.text())));

  await page.goto(stack.pageUrl);
  await typeForm(page);
  await page.getByLabel('Verify you are human (stand-in)').check();
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('heading', { name: 'Thank you!' })).toBeVisible();
  expect(await stack.tickets()).toHaveLength(1);

  expect(scripts).toEqual(['https://js.hcaptcha.com/1/api.js?render=explicit']);
  expect(await page.evaluate(() => (window as unknown as { __renders: unknown[] }).__renders)).toEqual([
    { options: { sitekey: SITE_KEYS.hcaptcha }, inShadowRoot: true },
  ]);
  expect(siteverify.requests).toEqual([{ secret: SECRET, response: 'h-token', sitekey: SITE_KEYS.hcaptcha }]);
  expect(violations).toEqual([]);
});
