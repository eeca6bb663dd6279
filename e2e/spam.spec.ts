/** Spam defence in Chromium: the honeypot a visitor never sees or fills, and a too-fast send explained and then accepted. */
import { expect, test } from './fixtures';
import { typeForm, watchVerification } from './spam-support';

// The built-in form only, and the production fill time.
test.use({ formConfig: '', relayEnv: { RELAY_SPAM_MIN_FILL_MS: '1500' } });

test('the honeypot is invisible, unreachable by keyboard and screen reader, and stays empty', async ({ page, stack }) => {
  const sent = watchVerification(page);
  await page.goto(stack.pageUrl);
  const trap = page.locator('input[name="sb-x7"]');
  await expect(trap).toHaveCount(1);
  // Off-screen: no part of it inside the page, above its top (the one side no page, left to right
  // or right to left, can scroll to).
  const box = await trap.boundingBox();
  expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(0);
  // Not in the accessibility tree: no textbox beyond the form's own fields.
  const snapshot = await page.locator('[data-socialboards-ticket]').ariaSnapshot();
  expect(snapshot).not.toMatch(/empty/i);
  // Tab from the last control before it (the attachments' button, after the fields) goes to Send, past the trap.
  await page.getByRole('button', { name: 'Add files' }).focus();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Send' })).toBeFocused();
  await typeForm(page);
  await page.waitForTimeout(1600);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('heading', { name: 'Thank you!' })).toBeVisible();
  expect(sent).toEqual([{ fillMs: expect.any(Number), trap: '' }]);
  expect(await stack.tickets()).toHaveLength(1);
});

test('a form sent too fast is explained, stays filled, and goes through when the visitor presses Send again', async ({ page, stack }) => {
  // The page's clock stands still from before the page loads: every field set and Send pressed
  // at the same instant, however long the browser takes to load the page or type.
  await page.clock.install({ time: new Date('2026-12-01T09:00:00Z') });
  await page.clock.pauseAt(new Date('2026-12-01T09:00:01Z'));
  const sent = watchVerification(page);
  await page.goto(stack.pageUrl);
  // As fast as a script: every field set at once, Send at once.
  await page.getByLabel('Subject').fill('New car price list.');
  await page.getByLabel('Message').fill('Hello I want to buy a new car, how can I get a price list?');
  await page.getByLabel('Email', { exact: true }).fill('bill_smith@gmail.com');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('alert')).toHaveText(
    'Your message was not sent: the form was sent faster than a person usually can. Please check it and press Send again.',
  );
  await expect(page.getByLabel('Message')).toHaveValue('Hello I want to buy a new car, how can I get a price list?');
  expect(await stack.tickets()).toHaveLength(0);
  await page.locator('[data-socialboards-ticket]').screenshot({ path: 'test-results/screens/too-fast.png' });
  // The visitor reads the message and checks the form.
  await page.clock.fastForward(2_000);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('heading', { name: 'Thank you!' })).toBeVisible();
  expect(await stack.tickets()).toHaveLength(1);
  expect(sent.map((verification) => Number(verification.fillMs) >= 1500)).toEqual([false, true]);
});
