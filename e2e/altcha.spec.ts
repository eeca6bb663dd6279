/** ALTCHA in Chromium: the widget solves the relay's proof of work itself, through the real relay to the fake Socialboards. */
import { expect, test } from './fixtures';
import { typeForm, watchVerification } from './spam-support';

test.use({ formConfig: '', relayEnv: { RELAY_CHALLENGE: 'altcha' } });

test('the widget solves the relay’s proof of work itself, with no third-party request, and the ticket arrives once', async ({ page, stack }) => {
  const hosts = new Set<string>();
  page.on('request', (request) => void hosts.add(new URL(request.url()).origin));
  const violations: string[] = [];
  page.on('console', (message) => void (/Content Security Policy/.test(message.text()) && violations.push(message.text())));
  const sent = watchVerification(page);
  await page.goto(stack.pageUrl);
  await typeForm(page);
  const started = Date.now();
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('heading', { name: 'Thank you!' })).toBeVisible({ timeout: 20_000 });
  console.log(`ALTCHA (RELAY_ALTCHA_MAX_NUMBER=100000, solving from the first key press): Send to "Thank you!" in ${Date.now() - started} ms`);
  expect(await stack.tickets()).toHaveLength(1);
  expect(typeof sent[0]?.challenge).toBe('string');
  // Only the page, the relay and the fake's ticket list: no provider, and the page's CSP unchanged.
  expect([...hosts].sort()).toEqual([new URL(stack.pageUrl).origin, new URL(stack.relayUrl).origin, new URL(stack.socialboardsUrl).origin].sort());
  expect(violations).toEqual([]);
});
