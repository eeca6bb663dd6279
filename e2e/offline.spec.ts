/**
 * The relay's bad minute, in Chromium: a visitor offline at Send (the tab then kept, closed or
 * reloaded), a relay that is down for 10 s, and a reload mid-typing. Each ends with exactly one
 * ticket at the fake Socialboards, or with what the visitor typed still there.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { ticketKeys } from './seed';

// The seed's form: its one custom field, the region 42623, so a draft brings a custom field back too.
test.use({ formConfig: 'seed-form.json' });

async function typeInto(page: Page, label: string, text: string) {
  await page.getByLabel(label, { exact: true }).click();
  await page.keyboard.type(text);
}

async function fill(page: Page) {
  await typeInto(page, 'Subject', 'Offline at Send');
  await typeInto(page, 'Message', 'Written on a train between two tunnels.');
  await typeInto(page, 'Email', 'ann@example.com');
}

const SAVED = 'We could not reach the support service. Your message will be sent when you are back online or open this page again.';

test('offline at Send: the visitor reads it is saved on this device; back online, it is delivered, once', async ({ page, context, stack }) => {
  const keys = ticketKeys(page);
  await page.goto(stack.pageUrl);
  await fill(page);
  await context.setOffline(true);
  await page.getByRole('button', { name: 'Send' }).click();

  await expect(page.getByRole('heading', { name: 'Saved on this device' })).toBeFocused();
  await expect(page.locator('.done').getByText(SAVED)).toBeVisible();
  expect(await stack.tickets()).toHaveLength(0);

  await context.setOffline(false);
  await expect(page.getByRole('heading', { name: 'Thank you!' })).toBeVisible({ timeout: 15_000 });
  const tickets = await stack.tickets();
  expect(tickets).toHaveLength(1);
  await expect(page.locator('.done').getByText(`Your ticket number is ${tickets[0]?.id}.`)).toBeVisible();
  expect(tickets[0]?.body).toMatchObject({ title: 'Offline at Send', message: 'Written on a train between two tunnels.' });
  expect(new Set(keys).size).toBe(1);
  expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
});

test('offline at Send, tab closed: the next visit delivers it silently, says so, and sends one ticket', async ({ page, context, stack }) => {
  const firstKeys = ticketKeys(page);
  await page.goto(stack.pageUrl);
  await fill(page);
  await context.setOffline(true);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('heading', { name: 'Saved on this device' })).toBeVisible();
  await page.close();
  await context.setOffline(false);

  const later = await context.newPage();
  const laterKeys = ticketKeys(later);
  await later.goto(stack.pageUrl);
  await expect(later.getByText('Your saved message has been sent.')).toBeVisible();
  const tickets = await stack.tickets();
  expect(tickets).toHaveLength(1);
  expect(tickets[0]?.body).toMatchObject({ title: 'Offline at Send' });
  // The same submission: the key of the first visit.
  expect(laterKeys).toEqual([firstKeys[0]]);
  // A fresh form for a new message.
  await expect(later.getByLabel('Subject', { exact: true })).toHaveValue('');
});

test('offline at Send, reloaded while still offline, then back online: one ticket, with the first Send\'s key', async ({ page, context, stack }) => {
  const keys = ticketKeys(page);
  await page.goto(stack.pageUrl);
  await fill(page);
  await context.setOffline(true);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('heading', { name: 'Saved on this device' })).toBeVisible();
  // Offline, the reload ends on the browser's own error page: the widget is gone, its outbox is not.
  // (Only once that page is in: until then the old page lives on, and would deliver on `online`.)
  await expect(page.reload()).rejects.toThrow(/ERR_INTERNET_DISCONNECTED/);
  await expect.poll(() => page.url()).toMatch(/^chrome-error:/);

  await context.setOffline(false);
  // Chromium reloads its error page by itself once the network is back (on a backoff of its own);
  // a visitor who does not wait reloads by hand. Whichever page opens first delivers the message.
  await page.waitForURL(/^http:/, { timeout: 5_000 }).catch(() => page.reload().catch(() => {}));
  await expect(page.getByRole('heading', { name: 'Contact us' })).toBeVisible();
  await expect.poll(() => page.evaluate(() => Object.keys(localStorage))).toEqual([]);
  const tickets = await stack.tickets();
  expect(tickets).toHaveLength(1);
  expect(tickets[0]?.body).toMatchObject({ title: 'Offline at Send', message: 'Written on a train between two tunnels.' });
  // The ticket is the first Send's: the relay wrote that Send's key into it. (Playwright may miss
  // the requests of a page Chromium reloaded by itself, so the key is read off the ticket.)
  expect(tickets[0]?.body).toMatchObject({ customFields: expect.arrayContaining([{ id: 42636, value: keys[0] }]) });
  expect(new Set(keys).size).toBe(1);
});

test('a relay that is down for 10 s: the visitor sees it still trying, then one ticket', async ({ page, stack }) => {
  // 10 s down, then up to one 8 s backoff before the next attempt.
  test.setTimeout(45_000);
  const keys = ticketKeys(page);
  await page.goto(stack.pageUrl);
  await fill(page);
  // The relay's address refuses connections, as a relay being restarted does.
  await page.route(`${stack.relayUrl}/tickets`, (route) => route.abort('connectionrefused'));
  const down = Date.now();
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('button', { name: 'Still trying to send…' })).toBeVisible({ timeout: 5_000 });
  await page.waitForTimeout(10_000 - (Date.now() - down));
  await page.unroute(`${stack.relayUrl}/tickets`);

  await expect(page.getByRole('heading', { name: 'Thank you!' })).toBeVisible({ timeout: 15_000 });
  expect(await stack.tickets()).toHaveLength(1);
  expect(keys.length).toBeGreaterThan(2);
  expect(new Set(keys).size).toBe(1);
});

test('a reload mid-typing brings the draft back; Discard draft clears it', async ({ page, stack }) => {
  await page.goto(stack.pageUrl);
  await typeInto(page, 'Subject', 'Half a thought');
  await typeInto(page, 'Message', 'I was about to write');
  await page.getByLabel('Shop region (optional)').selectOption('Oslo');
  // The draft is written once typing pauses (0.3 s): wait until it holds the last change.
  await expect
    .poll(() => page.evaluate(() => Object.keys(localStorage).filter((key) => key.includes(':draft:') && localStorage.getItem(key)?.includes('Oslo')).length))
    .toBe(1);
  await page.reload();

  await expect(page.getByLabel('Subject', { exact: true })).toHaveValue('Half a thought');
  await expect(page.getByLabel('Message', { exact: true })).toHaveValue('I was about to write');
  await expect(page.getByLabel('Shop region (optional)')).toHaveValue('Oslo');
  await page.getByRole('button', { name: 'Discard draft' }).click();
  await expect(page.getByLabel('Subject', { exact: true })).toHaveValue('');
  await expect(page.getByRole('button', { name: 'Discard draft' })).toHaveCount(0);
  expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Contact us' })).toBeVisible();
  await expect(page.getByLabel('Shop region (optional)')).toHaveValue('');
  await expect(page.getByLabel('Subject', { exact: true })).toHaveValue('');
  expect(await stack.tickets()).toHaveLength(0);
});
