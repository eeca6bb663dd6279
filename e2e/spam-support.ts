/** What the spam specs share: a visitor typing the built-in form, and what the page sends as `verification`. */
import type { Page, Request } from '@playwright/test';

/** A visitor types the form with the keyboard, as a person does. */
export async function typeForm(page: Page) {
  for (const [label, text] of [
    ['Subject', 'New car price list.'],
    ['Message', 'Hello I want to buy a new car, how can I get a price list?'],
    ['Email', 'bill_smith@gmail.com'],
  ] as const) {
    await page.getByLabel(label, { exact: true }).click();
    await page.keyboard.type(text);
  }
}

/** The `verification` of every ticket request the page sends. */
export function watchVerification(page: Page) {
  const sent: Record<string, unknown>[] = [];
  page.on('request', (request: Request) => {
    if (request.method() === 'POST' && request.url().endsWith('/tickets')) {
      sent.push((request.postDataJSON() as { verification: Record<string, unknown> }).verification);
    }
  });
  return sent;
}
