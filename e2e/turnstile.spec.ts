/**
 * Turnstile in Chromium: the provider's script replaced by a stand-in (page.route), the relay
 * verifying tokens at a local siteverify stand-in, the page's CSP as docs/spam.md gives it.
 */
import { startSiteverifyStandIn, type SiteverifyStandIn } from '../test/relay/spam/siteverify-stand-in';
import { expect, test } from './fixtures';
import { typeForm } from './spam-support';

test.use({ formConfig: '' });

/** A stand-in for Turnstile's api.js: a checkbox in the container; checking it yields the next token. */
const turnstileScript = (tokens: string[]) => `(() => {
  const tokens = ${JSON.stringify(tokens)};
  const widgets = {};
  window.__turnstileRenders = [];
  window.turnstile = {
    render(container, options) {
      const id = 'w' + window.__turnstileRenders.length;
      window.__turnstileRenders.push({ options, inShadowRoot: container.getRootNode() instanceof ShadowRoot });
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      label.append(box, ' Verify you are human (stand-in)');
      container.append(label);
      widgets[id] = { box, token: undefined };
      box.addEventListener('change', () => { widgets[id].token = box.checked ? tokens.shift() : undefined; });
      return id;
    },
    getResponse: (id) => widgets[id] && widgets[id].token,
    reset(id) { widgets[id].box.checked = false; widgets[id].token = undefined; },
    remove(id) { delete widgets[id]; },
  };
})();`;

const SITE_KEY = '1x00000000000000000000AA';
const SECRET = 'e2e-turnstile-secret';

const turnstile = test.extend<object, { siteverify: SiteverifyStandIn }>({
  siteverify: [
    // Playwright reads a fixture's dependencies from this pattern: empty means none.
    // oxlint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const standIn = await startSiteverifyStandIn({ provider: 'turnstile', secret: SECRET, siteKey: SITE_KEY });
      await use(standIn);
      await standIn.close();
    },
    { scope: 'worker' },
  ],
  relayEnv: [
    async ({ siteverify }, use) =>
      use({ RELAY_CHALLENGE: 'turnstile', RELAY_CHALLENGE_SITE_KEY: SITE_KEY, RELAY_CHALLENGE_SECRET: SECRET, RELAY_CHALLENGE_VERIFY_URL: siteverify.url }),
    { scope: 'worker' },
  ],
});

turnstile('Turnstile: rendered in the widget’s shadow root; a refused token is reset and a new one goes through', async ({ page, stack, siteverify }) => {
  const scripts: string[] = [];
  await page.route('https://challenges.cloudflare.com/**', (route) => {
    scripts.push(route.request().url());
    return route.fulfill({ contentType: 'text/javascript', body: turnstileScript(['token-the-provider-refuses', 'token-good']) });
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
  await expect(page.getByLabel('Message')).toHaveValue('Hello I want to buy a new car, how can I get a price list?');
  expect(await stack.tickets()).toHaveLength(0);

  await page.getByLabel('Verify you are human (stand-in)').check();
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('heading', { name: 'Thank you!' })).toBeVisible();
  expect(await stack.tickets()).toHaveLength(1);

  expect(scripts).toEqual(['https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit']);
  expect(await page.evaluate(() => (window as unknown as { __turnstileRenders: unknown[] }).__turnstileRenders)).toEqual([
    { options: { sitekey: SITE_KEY, action: 'ticket' }, inShadowRoot: true },
  ]);
  expect(siteverify.requests.map((request) => request.response)).toEqual(['token-the-provider-refuses', 'token-good']);
  expect(violations).toEqual([]);
});
