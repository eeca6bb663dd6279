/**
 * A relay without an outbox (RELAY_OUTBOX=false) answers a Socialboards failure with an error, and
 * the widget keeps trying with the same key until a ticket exists: one ticket, however many tries.
 */
import { expect, test } from './fixtures';
import { fillSeed, SEED, ticketKeys } from './seed';

test.use({ formConfig: 'seed-form.json', relayEnv: { RELAY_OUTBOX: 'false' } });

test('while Socialboards fails for a while, the visitor sees it still trying, and one ticket arrives', async ({ page, stack }) => {
  const keys = ticketKeys(page);
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
  const keys = ticketKeys(page);
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
