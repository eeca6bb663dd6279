/** A visitor sends a ticket from the demo page's script tag, through the relay, to the fake Socialboards. */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

// The seed's form: its one custom field, the region 42623, and no category picker.
test.use({ formConfig: 'seed-form.json' });

/** The seed's Create Ticket example (../shared/seeds/000_336e6ef1d73647bf.txt), as a visitor would type it. */
const SEED = {
  title: 'New car price list.',
  message: 'Hello I want to buy a new car, how can I get a price list?',
  sentiment: 'question',
  name: 'Bill Smith',
  email: 'bill_smith@gmail.com',
  region: 'Oslo',
};

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

async function typeInto(page: Page, label: string, text: string) {
  await page.getByLabel(label, { exact: true }).click();
  await page.keyboard.type(text);
}

async function fillSeed(page: Page) {
  await typeInto(page, 'Subject', SEED.title);
  await typeInto(page, 'Message', SEED.message);
  await page.getByRole('radio', { name: 'Question' }).check();
  await page.getByLabel('Shop region (optional)').selectOption(SEED.region);
  await typeInto(page, 'Your name (optional)', SEED.name);
  await typeInto(page, 'Email', SEED.email);
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
  await expect(page.getByRole('alert')).toHaveText('Please correct the highlighted fields.');
  await expect(page.getByLabel('Subject')).toBeFocused();
  await expect(page.getByLabel('Subject')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('This field is required.')).toHaveCount(3);
  await page.keyboard.type('Hi');
  await expect(page.getByText('This field is required.')).toHaveCount(2);
  await typeInto(page, 'Email', 'not-an-address');
  await page.keyboard.press('Tab');
  await expect(page.getByText('Enter an email address like name@example.com.')).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/invalid.png' });
  expect(await stack.tickets()).toHaveLength(0);
});

test('while Socialboards fails for a while, the visitor sees it still trying, and one ticket arrives', async ({ page, stack }) => {
  const keys: (string | null)[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().endsWith('/tickets')) keys.push(request.headers()['idempotency-key'] ?? null);
  });
  await page.goto(stack.pageUrl);
  // More failures than the three retries of old: a ticket now keeps trying for up to 45 s.
  await stack.fault({ kind: 'error', count: 4, path: '/tickets' });
  await fillSeed(page);
  await page.getByRole('button', { name: 'Send' }).click();

  await expect(page.getByRole('button', { name: 'Still trying to send…' })).toBeVisible({ timeout: 5_000 });
  // Everything typed stays while it tries.
  await expect(page.getByLabel('Subject')).toHaveValue(SEED.title);
  await expect(page.getByLabel('Message')).toHaveValue(SEED.message);
  await expect(page.getByRole('heading', { name: 'Thank you!' })).toBeVisible({ timeout: 20_000 });
  expect(await stack.tickets()).toHaveLength(1);
  expect(keys).toHaveLength(5);
  expect(new Set(keys)).toEqual(new Set([keys[0]]));
});

test('a transient failure is retried with the same key and creates one ticket', async ({ page, stack }) => {
  const keys: (string | null)[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().endsWith('/tickets')) keys.push(request.headers()['idempotency-key'] ?? null);
  });
  await page.goto(stack.pageUrl);
  await stack.fault({ kind: 'error', count: 1, path: '/tickets' });
  await fillSeed(page);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('heading', { name: 'Thank you!' })).toBeVisible({ timeout: 15_000 });
  expect(await stack.tickets()).toHaveLength(1);
  expect(keys).toHaveLength(2);
  expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
  expect(keys[1]).toBe(keys[0]);
});
