import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { createDiskStorage } from '../../../src/relay/attachments/disk-storage';
import { DEFAULT_LEASE_MS } from '../../../src/relay/attachments/lifecycle';
import { keyOf, newReference } from '../../../src/relay/attachments/reference';
import { sweepOnce } from '../../../src/relay/attachments/sweep';
import { docx, objectStreamPdf, plainPdf, plainZip, scriptPdf } from '../attachments/documents';
import { buildJpeg } from '../attachments/jpeg';
import { captureLogs } from '../helpers';
import { declareOnly, PDF, PNG, sha256, streamUpload, upload } from './attachments-support';
import type { Uploaded } from './attachments-support';
import { startHarness } from './harness';
import type { Harness } from './harness';

const MB = 1024 * 1024;
/** Tens of megabytes through a real socket: a few seconds alone, far more on a machine busy with other suites. */
const BIG_UPLOAD_MS = 90_000;

/** A full garbage collection on demand, without starting Node with --expose-gc. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
const TICKET = { title: 'Broken mirror', message: 'See the photos.', creator: { email: 'ann@example.com' } };

const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { code: string; message: string; fields?: { path: string; code: string }[] } }).error;
const filesIn = async (dir: string) => (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
const storedBytes = (h: Harness, id: string) => readFile(join(h.attachmentsDir, keyOf(id).slice(0, 2), keyOf(id)));

let h: Harness;
afterEach(async () => {
  await h.close();
});

async function uploaded(data: Buffer, name: string): Promise<Uploaded> {
  const response = await upload(h.relay.url, data, name);
  expect(response.status).toBe(201);
  return (await response.json()) as Uploaded;
}

describe('POST /attachments', () => {
  it('stores one file and answers its reference, name, size and sniffed type', async () => {
    h = await startHarness();
    const response = await upload(h.relay.url, PNG, 'mirror.png', { type: 'image/png' });

    expect(response.status).toBe(201);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('https://shop.example');
    const body = (await response.json()) as Uploaded;
    expect(body).toEqual({ id: expect.stringMatching(/^[\w-]{43}$/), name: 'mirror.png', size: PNG.length, type: 'image/png' });
    expect((await storedBytes(h, body.id)).equals(PNG)).toBe(true);
    // Nothing on disk is named after the reference.
    expect((await filesIn(h.attachmentsDir)).map((entry) => entry.name).join()).not.toContain(body.id);
  });

  it('takes the type from the bytes, not the name or the browser, and renames to match', async () => {
    h = await startHarness();
    const body = await uploaded(PNG, 'invoice.pdf');
    expect(body).toMatchObject({ name: 'invoice.png', type: 'image/png' });
  });

  it('keeps a 20 MB upload out of memory: the relay streams it to disk', async () => {
    h = await startHarness({ RELAY_ATTACHMENT_MAX_FILE_MB: '25', RELAY_ATTACHMENT_MAX_TOTAL_MB: '25', RELAY_LOG: 'silent' });
    const size = 20 * MB;
    // Warm up the code paths once, so lazily loaded modules do not count as growth.
    await uploaded(PDF, 'warm-up.pdf');
    // Live memory, not garbage: every chunk read from the socket is a new Buffer, and V8 may let
    // 20 MB of dead ones pile up before it collects them, which says nothing about the relay.
    const gc = collector();
    const live = () => {
      gc();
      const { heapUsed, arrayBuffers } = process.memoryUsage();
      return heapUsed + arrayBuffers;
    };
    const baseline = live();
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, live());
    }, 20);

    const result = await streamUpload(h.relay.url, { size, head: PDF, name: 'big.pdf' });
    clearInterval(sampler);

    expect(result.status).toBe(201);
    const body = JSON.parse(result.body) as Uploaded;
    expect(body).toMatchObject({ size, type: 'application/pdf' });
    expect(sha256(await storedBytes(h, body.id))).toBe(result.sha256);
    // This process runs both the client and the relay. Buffering the file anywhere in the relay
    // (c.req.formData(), arrayBuffer(), collecting chunks) would keep up to its 20 MB alive while it
    // arrives; streaming keeps a few 64 KB chunks. 8 MB leaves room for socket and stream buffers
    // and still fails any whole-file buffering.
    expect(peak - baseline).toBeLessThan(8 * MB);
  }, BIG_UPLOAD_MS);

  it('cuts an over-limit upload off at the limit with 413, long before the client has sent it all', async () => {
    h = await startHarness({ RELAY_ATTACHMENT_MAX_FILE_MB: '10', RELAY_ATTACHMENT_MAX_TOTAL_MB: '10' });
    const size = 40 * MB;

    const result = await streamUpload(h.relay.url, { size, head: PDF, name: 'huge.pdf' });

    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toEqual({ error: { code: 'payload_too_large', message: `The file is larger than ${10 * MB} bytes.` } });
    // The answer came once the limit was passed (plus what sat in socket buffers), and the relay then
    // closed the connection instead of reading the rest.
    expect(result.sentWhenAnswered).toBeGreaterThan(10 * MB);
    expect(result.sentWhenAnswered).toBeLessThan(25 * MB);
    expect(result.sent).toBeLessThan(size);
    expect(await filesIn(h.attachmentsDir)).toEqual([]);
  }, BIG_UPLOAD_MS);

  it('answers 413 at once when the declared length is far over the limit', async () => {
    h = await startHarness({ RELAY_ATTACHMENT_MAX_FILE_MB: '10', RELAY_ATTACHMENT_MAX_TOTAL_MB: '10' });
    const answer = await declareOnly(h.relay.url, 40 * MB);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it.each([
    { kind: 'a renamed Windows program', data: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(5000, 0x90)]), name: 'invoice.pdf', says: 'a Windows program' },
    { kind: 'an HTML page', data: Buffer.from('<!doctype html><html><body><script>alert(1)</script>'), name: 'notes.txt', says: 'an HTML document' },
    { kind: 'an SVG with script', data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'), name: 'logo.png', says: 'an SVG image' },
    { kind: 'a shell script', data: Buffer.from('#!/bin/sh\necho hi\n'), name: 'run.txt', says: 'a script' },
    { kind: 'unknown binary', data: Buffer.from([0, 1, 2, 3, 4, 5, 6, 7]), name: 'data.txt', says: 'not of a kind this relay recognises' },
    { kind: 'a ZIP archive', data: plainZip(), name: 'files.zip', says: 'a ZIP archive, which this relay does not accept' },
    { kind: 'a ZIP renamed .docx', data: plainZip(), name: 'report.docx', says: 'a ZIP archive' },
    { kind: 'a Word document renamed .xlsx', data: docx(), name: 'budget.xlsx', says: 'named as an Excel workbook (.xlsx) but is a Word document' },
    { kind: 'a PDF that runs JavaScript on opening', data: scriptPdf(), name: 'invoice.pdf', says: 'a PDF that runs code (/JavaScript)' },
    { kind: 'a PDF with a hex-escaped script in an object stream', data: objectStreamPdf('<< /S /J#61vaScript /JS (x) >>'), name: 'invoice.pdf', says: 'in a compressed object stream' },
    { kind: 'text with an event handler', data: Buffer.from('Hi,\nmy name is <b onmouseover=alert(1)>Ann</b>\n'), name: 'notes.txt', says: 'HTML markup (onmouseover=' },
    { kind: 'an empty file', data: Buffer.alloc(0), name: 'empty.txt', says: 'The file is empty.' },
  ])('refuses $kind with 415 and stores nothing', async ({ data, name, says }) => {
    h = await startHarness();
    const response = await upload(h.relay.url, data, name, { type: 'application/pdf' });
    expect(response.status).toBe(415);
    const error = await errorOf(response);
    expect(error.code).toBe('unsupported_media_type');
    expect(error.message).toContain(says);
    expect(await filesIn(h.attachmentsDir)).toEqual([]);
  });

  it.each([
    { kind: 'a Word document', data: () => docx(), name: 'Report.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
    { kind: 'a PDF without scripts', data: () => plainPdf(), name: 'invoice.pdf', type: 'application/pdf' },
    { kind: 'a CSV with "<" signs', data: () => Buffer.from('item;note\n1;size < 5\n2;<3 thanks\n3;a<b and b>c\n'), name: 'orders.csv', type: 'text/csv' },
  ])('accepts $kind', async ({ data, name, type }) => {
    h = await startHarness();
    expect(await uploaded(data(), name)).toMatchObject({ name, type });
  });

  it('refuses text whose markup comes 15 MB in, once it arrives, and stores nothing', async () => {
    h = await startHarness({ RELAY_ATTACHMENT_MAX_FILE_MB: '25', RELAY_ATTACHMENT_MAX_TOTAL_MB: '25' });
    const result = await streamUpload(h.relay.url, { size: 20 * MB, head: Buffer.from('Log file\n'), name: 'server.log', insert: { at: 15 * MB, bytes: Buffer.from('<script>alert(1)</script>') } });
    expect(result.status).toBe(415);
    expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'unsupported_media_type', message: expect.stringContaining('HTML markup (<script at byte') } });
    expect(result.sentWhenAnswered).toBeGreaterThan(15 * MB);
    expect(result.sentWhenAnswered).toBeLessThan(20 * MB);
    expect(await filesIn(h.attachmentsDir)).toEqual([]);
  }, BIG_UPLOAD_MS);

  it('refuses a renamed program after its first bytes, without reading the rest', async () => {
    h = await startHarness({ RELAY_ATTACHMENT_MAX_FILE_MB: '25', RELAY_ATTACHMENT_MAX_TOTAL_MB: '25' });
    const result = await streamUpload(h.relay.url, { size: 20 * MB, head: Buffer.from('MZ\x90\x00'), name: 'invoice.pdf' });
    expect(result.status).toBe(415);
    expect(result.sentWhenAnswered).toBeLessThan(8 * MB);
  });

  it('removes location data from a JPEG, keeping its size and image data', async () => {
    h = await startHarness();
    const { jpeg, scanAt } = buildJpeg();
    const body = await uploaded(jpeg, 'IMG_0001.JPG');
    const stored = await storedBytes(h, body.id);
    expect(body).toMatchObject({ name: 'IMG_0001.JPG', type: 'image/jpeg', size: jpeg.length });
    expect(stored.length).toBe(jpeg.length);
    expect(stored.toString('latin1')).not.toContain('GPS');
    expect(stored.subarray(scanAt).equals(jpeg.subarray(scanAt))).toBe(true);
  });

  it('keeps location data when the operator says so (RELAY_ATTACHMENT_KEEP_GPS)', async () => {
    h = await startHarness({ RELAY_ATTACHMENT_KEEP_GPS: 'true' });
    const { jpeg } = buildJpeg();
    const body = await uploaded(jpeg, 'a.jpg');
    expect((await storedBytes(h, body.id)).equals(jpeg)).toBe(true);
  });

  it.each([
    { kind: 'a JSON body', init: { body: '{}', headers: { 'Content-Type': 'application/json' } }, status: 415, code: 'unsupported_media_type' },
    { kind: 'no file at all', form: () => new FormData(), status: 400, code: 'validation', field: { path: 'file', code: 'required' } },
    {
      kind: 'a file in another field',
      form: () => {
        const form = new FormData();
        form.append('upload', new Blob([new Uint8Array(PNG)]), 'a.png');
        return form;
      },
      status: 400,
      code: 'validation',
      // Refused at the unexpected part, not read to the end.
      field: { path: 'file', code: 'invalid' },
    },
    {
      kind: 'two files',
      form: () => {
        const form = new FormData();
        form.append('file', new Blob([new Uint8Array(PNG)]), 'a.png');
        form.append('file', new Blob([new Uint8Array(PNG)]), 'b.png');
        return form;
      },
      status: 400,
      code: 'validation',
      field: { path: 'file', code: 'invalid' },
    },
  ])('refuses $kind', async ({ init, form, status, code, field }) => {
    h = await startHarness();
    const response = await fetch(`${h.relay.url}/attachments`, { method: 'POST', ...(form ? { body: form() } : init) });
    expect(response.status).toBe(status);
    const error = await errorOf(response);
    expect(error.code).toBe(code);
    if (field) expect(error.fields).toEqual([expect.objectContaining(field)]);
    expect(await filesIn(h.attachmentsDir)).toEqual([]);
  });

  it('refuses an upload from an origin that is not allowed', async () => {
    h = await startHarness();
    const response = await upload(h.relay.url, PNG, 'a.png', { origin: 'https://evil.example' });
    expect(response.status).toBe(403);
    expect(await filesIn(h.attachmentsDir)).toEqual([]);
  });
});

describe('tickets with attachments', () => {
  it('sends Socialboards {url, name} pairs whose files it fetches byte for byte', async () => {
    h = await startHarness();
    const photo = await uploaded(PNG, 'mirror.png');
    const receipt = await uploaded(PDF, 'receipt.pdf');

    const response = await h.post({ ...TICKET, attachments: [photo.id, receipt.id] });

    expect(response.status).toBe(201);
    const [ticket] = await h.fakeTickets();
    expect(ticket?.body.attachments).toEqual([
      { url: `${h.relay.url}/files/${keyOf(photo.id)}/mirror.png`, name: 'mirror.png' },
      { url: `${h.relay.url}/files/${keyOf(receipt.id)}/receipt.pdf`, name: 'receipt.pdf' },
    ]);
    expect(ticket?.attachmentsFetched?.map(({ status, size, sha256: hash }) => ({ status, size, hash }))).toEqual([
      { status: 200, size: PNG.length, hash: sha256(PNG) },
      { status: 200, size: PDF.length, hash: sha256(PDF) },
    ]);
    // The reference, the capability, never reaches Socialboards.
    expect(JSON.stringify(ticket)).not.toContain(photo.id);
  });

  it('serves an attached file as an inert download', async () => {
    h = await startHarness();
    const file = await uploaded(Buffer.from('Order 1234\nBlåbær\n'), 'Kvittering «mai».txt');
    expect((await h.post({ ...TICKET, attachments: [file.id] })).status).toBe(201);
    const [ticket] = await h.fakeTickets();
    const url = ticket?.attachmentsFetched?.[0]?.url ?? '';

    // From any origin: Socialboards fetches server-side, and agents open links anywhere.
    const response = await fetch(url, { headers: { Origin: 'https://app.socialboards.example' } });

    expect(response.status).toBe(200);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(file.size),
      'content-disposition': `attachment; filename="Kvittering _mai_.txt"; filename*=UTF-8''Kvittering%20%C2%ABmai%C2%BB.txt`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cross-origin-resource-policy': 'cross-origin',
      'cache-control': 'private, max-age=3600',
    });
    expect(await response.text()).toBe('Order 1234\nBlåbær\n');
  });

  it('replays a ticket for its Idempotency-Key instead of refusing its used references', async () => {
    h = await startHarness();
    const file = await uploaded(PNG, 'a.png');
    const key = `attachments-replay-${Date.now()}`;
    const first = await h.post({ ...TICKET, attachments: [file.id] }, { key });
    const again = await h.post({ ...TICKET, attachments: [file.id] }, { key });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await h.fakeTickets()).toHaveLength(1);
  });

  it('gives the files back when the ticket certainly was not created, so any submission can send them', async () => {
    // Without the outbox, which would take the ticket and keep its files (outbox.test.ts).
    h = await startHarness({ RELAY_OUTBOX: 'false' });
    const file = await uploaded(PNG, 'a.png');
    // No token: Create Ticket is never called.
    await h.fault({ kind: 'error', count: 1, path: '/token' });
    expect((await h.post({ ...TICKET, attachments: [file.id] })).status).toBe(502);
    expect((await h.send(`/files/${keyOf(file.id)}/a.png`)).status).toBe(404);
    // The relay leaves /token alone for a second after a failed refresh.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await h.post({ ...TICKET, title: 'Sent again, as a new submission', attachments: [file.id] })).status).toBe(201);
  });

  it('keeps the files attached when the ticket may exist, for a retry of that submission only', async () => {
    // With a submission key field, the retry looks for the ticket and, finding none, sends it with the files.
    h = await startHarness({ RELAY_UPSTREAM_TIMEOUT_MS: '1000', RELAY_SUBMISSION_KEY_FIELD: '42636', RELAY_OUTBOX: 'false' });
    const file = await uploaded(PNG, 'a.png');
    await h.fault({ kind: 'timeout', count: 1, path: '/tickets' });
    const key = `attachments-timeout-${Date.now()}`;

    expect((await h.post({ ...TICKET, attachments: [file.id] }, { key })).status).toBe(504);

    // Socialboards may have the ticket and link to the file: it stays served.
    expect((await h.send(`/files/${keyOf(file.id)}/a.png`)).status).toBe(200);
    expect((await h.post({ ...TICKET, title: 'Someone else', attachments: [file.id] })).status).toBe(400);
    expect((await h.post({ ...TICKET, attachments: [file.id] }, { key })).status).toBe(201);
    const [ticket] = await h.fakeTickets();
    expect(ticket?.attachmentsFetched?.[0]).toMatchObject({ name: 'a.png', status: 200 });
  });

  it('keeps the files of a ticket the retry finds, and answers with that ticket', async () => {
    // Long enough for the fake to fetch the file and answer its 500 on a loaded machine.
    h = await startHarness({ RELAY_UPSTREAM_TIMEOUT_MS: '3000', RELAY_SUBMISSION_KEY_FIELD: '42636', RELAY_OUTBOX: 'false' });
    const file = await uploaded(PNG, 'a.png');
    await h.fault({ kind: 'error', count: 1, path: '/tickets', processed: true });
    const key = `attachments-found-${Date.now()}`;

    expect((await h.post({ ...TICKET, attachments: [file.id] }, { key })).status).toBe(502);
    const retry = await h.post({ ...TICKET, attachments: [file.id] }, { key });
    expect(retry.status).toBe(201);
    const tickets = await h.fakeTickets();
    expect(tickets).toHaveLength(1);
    expect(await retry.json()).toEqual({ ticketId: tickets[0]?.id });
    expect((await h.send(`/files/${keyOf(file.id)}/a.png`)).status).toBe(200);
    expect((await h.post({ ...TICKET, title: 'Someone else', attachments: [file.id] })).status).toBe(400);
  });

  it.each([
    { kind: 'a forged reference', attachments: () => [newReference()] },
    { kind: 'a URL', attachments: () => ['https://evil.example/malware.exe'] },
    { kind: 'a storage key instead of a reference', attachments: (id: string) => [keyOf(id)] },
  ])('refuses $kind at attachments.<index>, sending nothing', async ({ attachments }) => {
    h = await startHarness();
    const file = await uploaded(PNG, 'a.png');
    const response = await h.post({ ...TICKET, attachments: [file.id, ...attachments(file.id)] });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe('validation');
    expect(error.fields).toEqual([{ path: 'attachments.1', code: 'invalid', message: 'This value is not valid.' }]);
    expect(await h.fakeTickets()).toEqual([]);
  });

  it("refuses another ticket's reference", async () => {
    h = await startHarness();
    const file = await uploaded(PNG, 'a.png');
    expect((await h.post({ ...TICKET, attachments: [file.id] })).status).toBe(201);
    const response = await h.post({ ...TICKET, title: 'Another ticket', attachments: [file.id] });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).fields).toEqual([{ path: 'attachments.0', code: 'invalid', message: 'This value is not valid.' }]);
    expect(await h.fakeTickets()).toHaveLength(1);
  });

  it('checks the number of files and their total size against the policy', async () => {
    h = await startHarness({ RELAY_ATTACHMENT_MAX_FILES: '2', RELAY_ATTACHMENT_MAX_FILE_MB: '0.01', RELAY_ATTACHMENT_MAX_TOTAL_MB: '0.012' });
    const files = [await uploaded(PNG, 'a.png'), await uploaded(PNG, 'b.png'), await uploaded(PNG, 'c.png')];
    const tooMany = await h.post({ ...TICKET, attachments: files.map((file) => file.id) });
    expect((await errorOf(tooMany)).fields).toEqual([{ path: 'attachments', code: 'too_many', limit: 2, message: 'Choose at most 2.' }]);

    const big = [await uploaded(Buffer.concat([PDF, Buffer.alloc(7000, 0x20)]), 'a.pdf'), await uploaded(Buffer.concat([PDF, Buffer.alloc(7000, 0x20)]), 'b.pdf')];
    const tooLarge = await h.post({ ...TICKET, attachments: big.map((file) => file.id) });
    const error = await errorOf(tooLarge);
    expect(error.fields).toEqual([{ path: 'attachments', code: 'invalid', message: 'This value is not valid.' }]);
    expect(error.message).toContain(`larger than ${Math.floor(0.012 * MB)} bytes in all`);
  });
});

describe('orphaned uploads', () => {
  it('are not served, and the sweep deletes them after the orphan time and the lease', async () => {
    const clock = { now: Date.now() };
    h = await startHarness({ RELAY_ATTACHMENT_ORPHAN_MINUTES: '60' }, { now: () => clock.now });
    const orphan = await uploaded(PNG, 'a.png');
    const attached = await uploaded(PDF, 'b.pdf');
    expect((await h.post({ ...TICKET, attachments: [attached.id] })).status).toBe(201);

    expect((await h.send(`/files/${keyOf(orphan.id)}/a.png`)).status).toBe(404);

    const sweep = () =>
      sweepOnce({
        storage: createDiskStorage(h.attachmentsDir),
        lifetimes: { orphanMs: 60 * 60_000, retentionMs: 30 * 24 * 3600_000 },
        now: () => clock.now,
        log: captureLogs().log,
      });
    expect(await sweep()).toBe(0);
    clock.now += 60 * 60_000 + 1;
    // Tickets no longer take it, but one that found it just in time may still be reserving it.
    expect(await sweep()).toBe(0);
    clock.now += DEFAULT_LEASE_MS;
    expect(await sweep()).toBe(1);

    const left = (await filesIn(h.attachmentsDir)).map((entry) => entry.name).sort();
    expect(left).toEqual([keyOf(attached.id), `${keyOf(attached.id)}.json`]);
    // And the orphan can no longer be attached.
    const response = await h.post({ ...TICKET, title: 'Late', attachments: [orphan.id] });
    expect((await errorOf(response)).fields).toEqual([expect.objectContaining({ path: 'attachments.0', code: 'invalid' })]);
  });
});

describe('RELAY_PUBLIC_URL', () => {
  it('warns at start-up when file links would point at this machine', async () => {
    h = await startHarness();
    expect(h.logLines.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: expect.stringContaining('set RELAY_PUBLIC_URL'), publicUrl: h.relay.url }),
    );
  });

  it('is the base of every file link when set', async () => {
    h = await startHarness({ RELAY_PUBLIC_URL: 'https://relay.shop.example/help/' });
    expect(h.logLines.join('\n')).not.toContain('set RELAY_PUBLIC_URL');
    const file = await uploaded(PNG, 'a.png');
    expect((await h.post({ ...TICKET, attachments: [file.id] })).status).toBe(201);
    const [ticket] = await h.fakeTickets();
    expect(ticket?.body.attachments).toEqual([{ url: `https://relay.shop.example/help/files/${keyOf(file.id)}/a.png`, name: 'a.png' }]);
  });
});

describe('GET /form and RELAY_ATTACHMENTS=off', () => {
  it('serves the attachment policy', async () => {
    h = await startHarness({ RELAY_ATTACHMENT_MAX_FILES: '3', RELAY_ATTACHMENT_TYPES: 'image/png,application/pdf' });
    const form = (await (await h.send('/form', { headers: { Origin: 'https://shop.example' } })).json()) as { attachments: unknown };
    expect(form.attachments).toEqual({ maxFiles: 3, maxFileBytes: 10 * MB, maxTotalBytes: 25 * MB, types: ['image/png', 'application/pdf'] });
  });

  it('with attachments off: no upload route, no policy, and references refused as not enabled', async () => {
    h = await startHarness({ RELAY_ATTACHMENTS: 'off' });
    expect((await upload(h.relay.url, PNG, 'a.png')).status).toBe(404);
    const form = (await (await h.send('/form')).json()) as { attachments: unknown };
    expect(form.attachments).toBeNull();
    const response = await h.post({ ...TICKET, attachments: [newReference()] });
    expect((await errorOf(response)).fields).toEqual([{ path: 'attachments', code: 'not_enabled', message: 'This relay does not accept this field yet.' }]);
  });
});
