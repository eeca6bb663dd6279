/** A page that knows its logged-in visitor passes a signed identity: the ticket's creator is the signed one, whatever is typed. */
import type { Page } from '@playwright/test';
import { signIdentity } from '../src/relay/identity/sign-identity';
import { expect, test } from './fixtures';

const KEY = { id: 'e2e-site', secret: 'e2e-identity-secret-0123456789-abcdef' };

// A customer number (42627) only a token may set, beside the region a visitor picks.
test.use({ formConfig: 'identity-form.json', relayEnv: { RELAY_IDENTITY_KEYS: `${KEY.id}=${KEY.secret}`, RELAY_IDENTITY_TAG: 'verified' } });

/** Opens e2e/pages/identity.html, which writes the widget's tag with this token in data-identity. */
async function openSignedPage(page: Page, pageUrl: string, token: string) {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  await page.goto(`${pageUrl}/identity.html#${encodeURIComponent(token)}`);
  return problems;
}

async function typeInto(page: Page, label: string, text: string) {
  await page.getByLabel(label, { exact: true }).click();
  await page.keyboard.type(text);
}

test('the ticket is from the signed visitor even after they type another name', async ({ page, stack }) => {
  const token = await signIdentity({ key: KEY, name: 'Ann Verified', email: 'ann@verified.example', fields: { 42627: 'CN-775' } });
  const problems = await openSignedPage(page, stack.pageUrl, token);
  await expect(page.getByLabel('Your name (optional)')).toHaveValue('Ann Verified');
  await page.getByLabel('Your name (optional)').fill('');
  await typeInto(page, 'Your name (optional)', 'Mallory');
  await typeInto(page, 'Subject', 'Double charge');
  await typeInto(page, 'Message', 'I was charged twice for one order.');
  await page.getByRole('button', { name: 'Send' }).click();

  await expect(page.getByRole('heading', { name: 'Thank you!' })).toBeVisible();
  const [ticket] = await stack.tickets();
  expect(ticket?.body).toMatchObject({
    creator: { name: 'Ann Verified', email: 'ann@verified.example' },
    // The signed field, and the submission's key the relay writes (RELAY_SUBMISSION_KEY_FIELD).
    customFields: [
      { id: 42627, value: 'CN-775' },
      { id: 42636, value: expect.stringMatching(/^[\w-]{16,128}$/) },
    ],
    tags: expect.arrayContaining(['verified']),
  });
  expect(JSON.stringify(ticket?.body)).not.toContain('Mallory');
  expect(problems).toEqual([]);
});

test('an expired token shows the visitor what to do and keeps what they wrote', async ({ page, stack }) => {
  const token = await signIdentity({ key: KEY, email: 'ann@verified.example', expiresInSeconds: 60, now: () => Date.now() - 3_600_000 });
  const problems = await openSignedPage(page, stack.pageUrl, token);
  await typeInto(page, 'Subject', 'Double charge');
  await typeInto(page, 'Message', 'I was charged twice for one order.');
  await page.getByRole('button', { name: 'Send' }).click();

  await expect(page.getByRole('alert')).toHaveText(
    'We could not confirm that you are signed in. Copy your message, sign in again or reload the page, then send it.',
  );
  await expect(page.getByLabel('Subject')).toHaveValue('Double charge');
  await expect(page.getByLabel('Message')).toHaveValue('I was charged twice for one order.');
  await expect(page.getByLabel('Email')).toHaveValue('ann@verified.example');
  expect(await stack.tickets()).toEqual([]);
  // The integrator's console says which check failed, and never holds the token.
  expect(problems.some((text) => /refused the identity: The identity token has expired/.test(text))).toBe(true);
  expect(problems.join('\n')).not.toContain(token);
});
