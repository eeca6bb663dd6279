/** The seed ticket (../shared/seeds/), how a visitor types it into the seed form, and the keys the page sends tickets with. */
import type { Page } from '@playwright/test';

/** The seed's Create Ticket example (../shared/seeds/000_336e6ef1d73647bf.txt), as a visitor would type it. */
export const SEED = {
  title: 'New car price list.',
  message: 'Hello I want to buy a new car, how can I get a price list?',
  sentiment: 'question',
  name: 'Bill Smith',
  email: 'bill_smith@gmail.com',
  region: 'Oslo',
};

/** Types as a visitor does: a click into the field, then key by key. */
export async function typeInto(page: Page, label: string, text: string) {
  await page.getByLabel(label, { exact: true }).click();
  await page.keyboard.type(text);
}

/** Fills the seed ticket into the seed form (e2e/forms/seed-form.json). */
export async function fillSeed(page: Page) {
  await typeInto(page, 'Subject', SEED.title);
  await typeInto(page, 'Message', SEED.message);
  await page.getByRole('radio', { name: 'Question' }).check();
  await page.getByLabel('Shop region (optional)').selectOption(SEED.region);
  await typeInto(page, 'Your name (optional)', SEED.name);
  await typeInto(page, 'Email', SEED.email);
}

/** The Idempotency-Key of every ticket POST the page makes (or tries to make), in order. */
export function ticketKeys(page: Page): string[] {
  const keys: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().endsWith('/tickets')) keys.push(request.headers()['idempotency-key'] ?? '');
  });
  return keys;
}
