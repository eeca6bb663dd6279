/** The community's custom fields and categories, from the demo's form config to the ticket Socialboards receives. */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

async function typeInto(page: Page, label: string, text: string) {
  await page.getByLabel(label, { exact: true }).click();
  await page.keyboard.type(text);
}

test('a visitor fills every kind of control and Socialboards receives each value in its format', async ({ page, stack }) => {
  await page.goto(stack.pageUrl);
  await typeInto(page, 'Subject', 'Test drive');
  await typeInto(page, 'Message', 'I would like to try the new model.');
  await page.getByLabel('Topic (optional)').selectOption({ label: '\u2003New cars' });
  await page.getByLabel('Shop region (optional)').selectOption('Oslo');
  await typeInto(page, 'Car model', 'Model Y');
  await typeInto(page, 'What happened? (optional)', 'Nothing yet.');
  await typeInto(page, 'Mileage (km) (optional)', '120000');
  await page.getByLabel('Preferred test drive date (optional)').fill('2026-12-01');
  await typeInto(page, 'Alternative email (optional)', 'ann@example.com');
  await typeInto(page, 'Alternative phone (optional)', '+47 22 33 44 55');
  await typeInto(page, 'Link to the car listing (optional)', 'https://cars.example/model-y');
  await page.getByLabel('Subscribe to newsletter').check();
  await page.getByRole('checkbox', { name: 'Financing' }).check();
  await page.getByRole('checkbox', { name: 'Trade-in' }).check();
  await typeInto(page, 'Email', 'bill_smith@gmail.com');
  await page.screenshot({ path: 'test-results/screens/custom-fields.png', fullPage: true });
  await page.getByRole('button', { name: 'Send' }).click();

  await expect(page.getByRole('heading', { name: 'Thank you!' })).toBeVisible();
  const [ticket] = await stack.tickets();
  const sent = [...((ticket?.body.customFields as { id: number; value: string }[]) ?? [])].sort((a, b) => a.id - b.id);
  expect(sent).toEqual([
    { id: 42623, value: 'Oslo' },
    { id: 42625, value: 'Model Y' },
    // Prefill-only, filled from its default: the visitor never saw it.
    { id: 42626, value: 'web-form' },
    { id: 42628, value: 'Nothing yet.' },
    { id: 42629, value: '120000' },
    { id: 42630, value: '2026-12-01' },
    { id: 42631, value: 'ann@example.com' },
    { id: 42632, value: '+47 22 33 44 55' },
    { id: 42633, value: 'https://cars.example/model-y' },
    { id: 42634, value: 'true' },
    { id: 42635, value: 'Financing,Trade-in' },
    // The submission's key, written by the relay (RELAY_SUBMISSION_KEY_FIELD), never by the visitor.
    { id: 42636, value: expect.stringMatching(/^[\w-]{16,128}$/) },
  ]);
  expect(ticket?.body.categoryId).toBe(15598);
});

test('a required custom field left empty and a malformed number are named, and nothing is sent', async ({ page, stack }) => {
  await page.goto(stack.pageUrl);
  await typeInto(page, 'Subject', 'Hello');
  await typeInto(page, 'Message', 'A question.');
  await typeInto(page, 'Mileage (km) (optional)', '12,5');
  await page.keyboard.press('Tab');
  await expect(page.getByText('Enter a number, like 42 or 3.5.')).toBeVisible();
  await typeInto(page, 'Email', 'bill_smith@gmail.com');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByLabel('Car model')).toBeFocused();
  await expect(page.getByLabel('Car model')).toHaveAttribute('aria-invalid', 'true');
  expect(await stack.tickets()).toHaveLength(0);
});

test('the relay refuses a forged field id, a forged value and a category it does not offer', async ({ request, stack }) => {
  const send = (extra: Record<string, unknown>, key: string) =>
    request.post(`${stack.relayUrl}/tickets`, {
      headers: { Origin: new URL(stack.pageUrl).origin, 'Idempotency-Key': key },
      data: { title: 'Forged', message: 'Forged', creator: { email: 'a@b.co' }, customFields: [{ id: 42625, value: 'X' }], ...extra },
    });
  const cases: [Record<string, unknown>, string, string][] = [
    [{ customFields: [{ id: 42625, value: 'X' }, { id: 99999, value: 'x' }] }, 'customFields.99999', 'unknown_field'],
    [{ customFields: [{ id: 42625, value: 'X' }, { id: 42623, value: 'Atlantis' }] }, 'customFields.42623', 'invalid_choice'],
    [{ categoryId: 424242 }, 'categoryId', 'invalid_choice'],
  ];
  for (const [index, [extra, path, code]] of cases.entries()) {
    const response = await send(extra, `forged-key-${index}-000000000000`);
    expect(response.status()).toBe(400);
    const body = (await response.json()) as { error: { fields: { path: string; code: string }[] } };
    expect(body.error.fields).toContainEqual(expect.objectContaining({ path, code }));
  }
  expect(await stack.tickets()).toHaveLength(0);
});
