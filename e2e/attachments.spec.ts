/** Attachments, as a visitor adds them: picked, pasted, uploaded with progress, and fetched by Socialboards byte for byte. */
import { createHash, randomBytes } from 'node:crypto';
import { expect, test } from './fixtures';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A small but real PNG (1×1 pixel), as a pasted screenshot would be. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360f8cfc0f01f0005000201c7f3b1d50000000049454e44ae426082',
  'hex',
);

interface Fetched {
  url: string;
  name: string;
  status: number | null;
  size: number;
  sha256: string;
}

test('two picked files and a pasted screenshot upload with progress and reach Socialboards intact', async ({ page, stack }) => {
  // A PDF large enough (3 MB) to show its progress on a throttled connection (its bytes in a stream,
  // as a scanned page's are: the relay reads a PDF's objects for scripts and skips stream data), and a text file.
  const image = randomBytes(3 * 1024 * 1024);
  const pdf = Buffer.concat([Buffer.from(`%PDF-1.7\n1 0 obj << /Subtype /Image /Length ${image.length} >>\nstream\n`), image, Buffer.from('\nendstream\nendobj\n%%EOF\n')]);
  const text = Buffer.from('Order 100234\nThe wheel squeaks.\n', 'utf8');
  await page.goto(stack.pageUrl);
  await page.getByLabel('Subject').fill('Squeaky wheel');
  await page.getByLabel('Message').fill('See the attached files.');
  await page.getByLabel('Car model').fill('Model Y');
  await page.getByLabel('Email', { exact: true }).fill('bill_smith@gmail.com');

  // Slow the upload down so its progress can be seen between 0 and 1.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 20,
    downloadThroughput: -1,
    uploadThroughput: 1024 * 1024,
  });
  await page.locator('input[type=file]').setInputFiles([
    { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: pdf },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: text },
  ]);
  const progress = page.getByLabel('invoice.pdf: Uploading…');
  await expect(progress).toBeVisible();
  await expect
    .poll(async () => Number(await progress.evaluate((element) => (element as HTMLProgressElement).value)), { timeout: 10_000 })
    .toBeGreaterThan(0);
  await page.screenshot({ path: 'test-results/screens/attachments-uploading.png' });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

  // A screenshot pasted into the message becomes an attachment; text would have stayed text.
  await page.getByLabel('Message').focus();
  await page.evaluate((bytes) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], 'image.png', { type: 'image/png' }));
    const host = document.querySelector('[data-socialboards-ticket]');
    const message = host?.shadowRoot?.querySelector('textarea');
    message?.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, composed: true }));
  }, [...PNG]);
  await expect(page.getByText(/^screenshot-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.png$/)).toBeVisible();
  await expect(page.getByText('Uploaded')).toHaveCount(3, { timeout: 15_000 });
  await page.screenshot({ path: 'test-results/screens/attachments-uploaded.png' });

  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('heading', { name: 'Thank you!' })).toBeVisible();
  const tickets = await stack.tickets();
  expect(tickets).toHaveLength(1);
  const ticket = tickets[0] as unknown as { body: { attachments: { url: string; name: string }[] }; attachmentsFetched: Fetched[] };
  expect(ticket.body.attachments.map((one) => one.name)).toEqual(['invoice.pdf', 'notes.txt', expect.stringMatching(/^screenshot-.*\.png$/)]);
  for (const one of ticket.body.attachments) expect(one.url).toMatch(new RegExp(`^${stack.relayUrl}/files/[0-9a-f]{32}/`));
  expect(ticket.attachmentsFetched.map(({ status, size, sha256: hash }) => ({ status, size, hash }))).toEqual([
    { status: 200, size: pdf.length, hash: sha256(pdf) },
    { status: 200, size: text.length, hash: sha256(text) },
    { status: 200, size: PNG.length, hash: sha256(PNG) },
  ]);
});

test('a file over the limit or of a refused kind is named and never uploaded', async ({ page, stack }) => {
  await page.goto(stack.pageUrl);
  const uploads: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/attachments')) uploads.push(request.url());
  });
  await page.locator('input[type=file]').setInputFiles([
    { name: 'huge.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(11 * 1024 * 1024, 1) },
    { name: 'setup.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ') },
  ]);
  await expect(page.getByRole('alert').filter({ hasText: 'huge.pdf is larger than 10 MB.' })).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: 'setup.exe is not a kind of file we accept.' })).toBeVisible();
  expect(uploads).toEqual([]);
});

test('a renamed executable is refused by the relay, and the ticket cannot be sent until it is removed', async ({ page, stack }) => {
  await page.goto(stack.pageUrl);
  await page.getByLabel('Subject').fill('Invoice');
  await page.getByLabel('Message').fill('Here it is.');
  await page.getByLabel('Car model').fill('Model Y');
  await page.getByLabel('Email', { exact: true }).fill('bill_smith@gmail.com');
  await page.locator('input[type=file]').setInputFiles([
    { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([Buffer.from('MZ\x90\x00'), randomBytes(512)]) },
  ]);
  await expect(page.getByText('Not a kind of file we accept.')).toBeVisible();
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByText('An attachment did not upload. Try again or remove it.')).toBeVisible();
  expect(await stack.tickets()).toHaveLength(0);
  await page.getByRole('button', { name: 'Remove: invoice.pdf' }).click();
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('heading', { name: 'Thank you!' })).toBeVisible();
  expect(await stack.tickets()).toHaveLength(1);
});
