/** A visitor sends a ticket from the demo page's script tag, through the relay, to the fake Socialboards. */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { fillSeed, SEED, ticketKeys, typeInto } from './seed';

// The seed's form: its one custom field, the region 42623, and no category picker.
test.use({ formConfig: 'seed-form.json' });


/** Collects CSP violations and console errors from the moment the page starts. */
async function watch(page: Page) {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  return problems;
}


test('a visitor sends the seed ticket and Socialboards receives exactly it, once', async ({ page, stack }) => {
  const problems = await watch(page);
  await page.goto(stack.pageUrl);
  await fillSeed(page);
  const sent = page.waitForRequest((request) => request.url().endsWith('/tickets') && request.method() === 'POST');
  await page.keyboard.press('Enter');
  const key = (await sent).headers()['idempotency-key'];

  await expect(page.getByRole('heading', { name: 'Thank you!' })).toBeFocused();
  const tickets = await stack.tickets();
  expect(tickets).toHaveLength(1);
  const [ticket] = tickets;
  await expect(page.getByText(`Your ticket number is ${ticket?.id}.`).first()).toBeVisible();

  // The seed's example shape, with what the relay pins, isHtml false, and the submission's key in
  // the demo's submission key field (RELAY_SUBMISSION_KEY_FIELD), so a retry can look it up.
  expect(key).toMatch(/^[\w-]{16,}$/);
  expect(ticket?.body).toEqual({
    title: SEED.title,
    message: SEED.message,
    sentiment: SEED.sentiment,
    isHtml: false,
    sourceName: 'Demo page',
    categoryId: 15597,
    assigneeId: null,
    tags: ['website', 'widget-demo'],
    cc: [],
    creator: { name: SEED.name, email: SEED.email, customIdentifier: null, image: null, phoneNumber: null },
    customFields: [
      { id: 42623, value: 'Oslo' },
      { id: 42636, value: key },
    ],
    attachments: [],
  });
  await page.screenshot({ path: 'test-results/screens/sent.png' });
  expect(problems).toEqual([]);
});

test('an empty submit shows every message and focuses the first invalid field', async ({ page, stack }) => {
  await page.goto(stack.pageUrl);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('alert')).toContainText('Please correct the highlighted fields.');
  // The summary names each problem's field, as a link to it.
  await expect(page.getByRole('alert').getByRole('link')).toHaveText([
    'Subject: This field is required.',
    'Message: This field is required.',
    'Email: This field is required.',
  ]);
  await expect(page.getByLabel('Subject')).toBeFocused();
  await expect(page.getByLabel('Subject')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('This field is required.', { exact: true })).toHaveCount(3);
  await page.keyboard.type('Hi');
  await expect(page.getByText('This field is required.', { exact: true })).toHaveCount(2);
  await typeInto(page, 'Email', 'not-an-address');
  await page.keyboard.press('Tab');
  await expect(page.getByText('Enter an email address like name@example.com.')).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/invalid.png' });
  // A link in the summary takes the visitor to its field, by keyboard too.
  await page.getByRole('link', { name: 'Message: This field is required.' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Message')).toBeFocused();
  expect(await stack.tickets()).toHaveLength(0);
});

test('while Socialboards is down, the relay queues the ticket: the visitor reads it is received, with a reference, and its outbox delivers one ticket', async ({ page, stack }) => {
  const keys = ticketKeys(page);
  await page.goto(stack.pageUrl);
  await stack.fault({ kind: 'error', count: 1, path: '/tickets' });
  await fillSeed(page);
  await page.getByRole('button', { name: 'Send' }).click();

  await expect(page.getByRole('heading', { name: 'Thank you!' })).toBeVisible({ timeout: 15_000 });
  await expect(page.locator('.done').getByText(/^We have received your message and will pass it on to our team\. Your reference is Q(-[0-9A-F]{4}){3}\.$/)).toBeVisible();
  // One request from the widget: the relay's 202 is a success, so nothing is retried from the browser.
  expect(keys).toHaveLength(1);
  // The relay's worker delivers it after its first backoff (5 s), with the widget's key in the key field.
  await expect.poll(async () => (await stack.tickets()).length, { timeout: 30_000 }).toBe(1);
  const [ticket] = await stack.tickets();
  expect(ticket?.body).toMatchObject({ title: SEED.title, customFields: expect.arrayContaining([{ id: 42636, value: keys[0] }]) });
});
