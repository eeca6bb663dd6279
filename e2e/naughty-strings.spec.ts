/**
 * The Big List of Naughty Strings typed into the real widget in Chromium, sent through the relay to
 * the fake Socialboards: each arrives exactly as the clean-text rules say, or the visitor is shown
 * the rules' reason under the field. Plus the new field messages as a visitor meets them.
 */
import type { Page } from '@playwright/test';
import { FIELD_ISSUE_TEXT_EN, formatIssue, type FieldIssueCode } from '../src/shared/field-issues';
import { LIMITS } from '../src/shared/limits';
import { expectedOutcome, NAUGHTY_STRINGS, type Outcome, type TextField } from '../test/shared/naughty-strings';
import { expect, test, type FakeTicket } from './fixtures';

// Two custom fields, one of each text kind, neither required; no picker.
test.use({ formConfig: 'naughty-form.json' });

const TEXT_ID = 42625;
const MULTILINE_ID = 42628;
const CUSTOM_MAX = 500;

interface Box {
  label: string;
  field: TextField;
  /** What the visitor types instead once this box's string is refused (blank: nothing). */
  standIn: string;
  read(ticket: FakeTicket): unknown;
}

const creator = (ticket: FakeTicket) => ticket.body.creator as Record<string, unknown>;
const custom = (ticket: FakeTicket, id: number) =>
  (ticket.body.customFields as { id: number; value: string }[]).find((entry) => entry.id === id)?.value ?? null;

/** The boxes each submission fills with a different string. */
const BOXES: Box[] = [
  { label: 'Subject', field: { multiline: false, max: LIMITS.title, required: true }, standIn: 'x', read: (ticket) => ticket.body.title },
  { label: 'Message', field: { multiline: true, max: LIMITS.message, required: true }, standIn: 'x', read: (ticket) => ticket.body.message },
  { label: 'Your name (optional)', field: { multiline: false, max: LIMITS.name, required: false }, standIn: '', read: (ticket) => creator(ticket).name },
  { label: 'Car model (optional)', field: { multiline: false, max: CUSTOM_MAX, required: false }, standIn: '', read: (ticket) => custom(ticket, TEXT_ID) },
  { label: 'Describe the damage (optional)', field: { multiline: true, max: CUSTOM_MAX, required: false }, standIn: '', read: (ticket) => custom(ticket, MULTILINE_ID) },
];

const EMAIL = 'bill_smith@gmail.com';

/** The text a visitor sees for a refusal. */
const issueText = (code: string, field: TextField) => formatIssue(FIELD_ISSUE_TEXT_EN[code as FieldIssueCode], { limit: field.max });

async function fill(page: Page, texts: readonly string[]) {
  for (const [index, box] of BOXES.entries()) await page.getByLabel(box.label, { exact: true }).fill(texts[index] ?? '');
}

test('every naughty string typed into the widget arrives as the rules say, or the visitor is told why', async ({ page, stack }) => {
  // 97 tickets typed and sent one after another: about 95 s on an idle machine, more on a shared one.
  test.setTimeout(300_000);
  await page.goto(stack.pageUrl);
  await expect(page.getByLabel(BOXES[4]?.label ?? '', { exact: true })).toBeVisible();
  const promised: { texts: string[]; arrives: (string | null)[] }[] = [];
  const started = Date.now();

  for (let start = 0; start < NAUGHTY_STRINGS.length; start += BOXES.length) {
    const texts = BOXES.map((_, index) => NAUGHTY_STRINGS[(start + index) % NAUGHTY_STRINGS.length] ?? '');
    await fill(page, texts);
    await page.getByLabel('Email', { exact: true }).fill(EMAIL);
    // What the page holds is what the widget reads: Chromium keeps each of these strings as typed.
    const held = await Promise.all(BOXES.map((box) => page.getByLabel(box.label, { exact: true }).inputValue()));
    expect(held).toEqual(texts);

    const outcomes: Outcome[] = BOXES.map((box, index) => expectedOutcome(texts[index] ?? '', box.field));
    await page.getByRole('button', { name: 'Send' }).click();
    if (outcomes.some((outcome) => 'refused' in outcome)) {
      await expect(page.getByRole('alert')).toContainText('Please correct the highlighted fields.');
      for (const [index, box] of BOXES.entries()) {
        const input = page.getByLabel(box.label, { exact: true });
        const outcome = outcomes[index] as Outcome;
        if ('refused' in outcome) await expect(input, `${JSON.stringify(texts[index])} in ${box.label}`).toHaveAccessibleDescription(issueText(outcome.refused, box.field));
        else await expect(input, `${JSON.stringify(texts[index])} in ${box.label}`).not.toHaveAttribute('aria-invalid', 'true');
      }
      // The visitor corrects what was refused, and the rest goes as it was.
      for (const [index, box] of BOXES.entries()) {
        if ('refused' in (outcomes[index] as Outcome)) await page.getByLabel(box.label, { exact: true }).fill(box.standIn);
      }
      await page.getByRole('button', { name: 'Send' }).click();
    }
    // waitFor rather than expect: it answers as soon as the heading shows, not at the next poll.
    await page.getByRole('heading', { name: 'Thank you!' }).waitFor();
    promised.push({
      texts,
      arrives: outcomes.map((outcome, index) => {
        if ('arrives' in outcome) return outcome.arrives;
        const { standIn } = BOXES[index] as Box;
        return standIn === '' ? null : standIn;
      }),
    });
    await page.getByRole('button', { name: 'Send another message' }).click();
  }

  const tickets = await stack.tickets();
  expect(tickets).toHaveLength(promised.length);
  const unexpected: string[] = [];
  for (const [index, { texts, arrives }] of promised.entries()) {
    for (const [slot, box] of BOXES.entries()) {
      const got = tickets[index] === undefined ? 'no ticket' : box.read(tickets[index] as FakeTicket);
      if (got !== arrives[slot]) unexpected.push(`${JSON.stringify(texts[slot])} in ${box.label}: expected ${JSON.stringify(arrives[slot])}, got ${JSON.stringify(got)}`);
    }
  }
  expect(unexpected).toEqual([]);
  console.log(`naughty strings: ${NAUGHTY_STRINGS.length} strings in ${promised.length} tickets, ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

test('a visitor whose email has more than 64 characters before the @ is told so, and nothing is sent', async ({ page, stack }) => {
  await page.goto(stack.pageUrl);
  await page.getByLabel('Subject', { exact: true }).fill('Hello');
  await page.getByLabel('Message', { exact: true }).fill('A question.');
  const email = page.getByLabel('Email', { exact: true });
  await email.click();
  await page.keyboard.type(`${'a'.repeat(LIMITS.emailLocalPart + 1)}@example.com`);
  await page.keyboard.press('Tab');
  await expect(email).toHaveAccessibleDescription('Use at most 64 characters before the @.');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(email).toBeFocused();
  await page.keyboard.press('Home');
  await page.keyboard.press('Delete');
  await expect(email).not.toHaveAttribute('aria-invalid', 'true');
  expect(await stack.tickets()).toHaveLength(0);
});

test('a value prefilled with half an emoji is shown as not sendable, in the visitor’s language', async ({ page, stack }) => {
  await page.goto(`${stack.pageUrl}/two-widgets.html`);
  await page.evaluate(() => {
    const relay = document.body.dataset.relay as string;
    // Built in the page: a lone surrogate would not survive the trip from the test as a string.
    const name = `Ann ${String.fromCharCode(0xd83d)}`;
    window.SocialboardsTicket?.mount('#first', { relay, prefill: { name } });
    window.SocialboardsTicket?.mount('#second', { relay, locale: 'nb', prefill: { name } });
  });
  await expect(page.locator('#first').getByLabel('Your name (optional)')).toHaveAccessibleDescription(FIELD_ISSUE_TEXT_EN.invalid_text);
  await expect(page.locator('#second').getByText('Teksten inneholder tegn som ikke kan sendes.')).toBeVisible();
  expect(await stack.tickets()).toHaveLength(0);
});
