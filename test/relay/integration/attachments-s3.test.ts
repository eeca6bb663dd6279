import { AwsClient } from 'aws4fetch';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keyOf } from '../../../src/relay/attachments/reference';
import { objectStreamPdf, plainZip } from '../attachments/documents';
import { buildJpeg } from '../attachments/jpeg';
import { BUCKET, S3_KEY, s3Env, startS3 } from '../attachments/s3-server';
import type { RunningS3 } from '../attachments/s3-server';
import { PDF, PNG, sha256, upload } from './attachments-support';
import type { Uploaded } from './attachments-support';
import { ORIGIN, startHarness } from './harness';
import type { Harness } from './harness';

const TICKET = { title: 'Broken mirror', message: 'See the photos.', creator: { email: 'ann@example.com' } };
const JSON_HEADERS = { 'Content-Type': 'application/json', Origin: ORIGIN };

let s3: RunningS3;
let h: Harness;
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3.close();
});
afterEach(async () => {
  s3.checkSignedHeaders = false;
  await h.close();
});

const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string } }).error;

const bucket = new AwsClient({ accessKeyId: S3_KEY, secretAccessKey: S3_KEY, service: 's3', region: 'us-east-1', retries: 0 });

/** Asks for an upload URL for `size` bytes of a PDF; `complete` completes it. */
async function begin(size: number) {
  const begun = await h.send('/attachments/uploads', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ name: 'a.pdf', size }) });
  expect(begun.status).toBe(201);
  const { id, url } = (await begun.json()) as { id: string; url: string };
  return { id, url, complete: () => h.send(`/attachments/${id}/complete`, { method: 'POST', headers: { Origin: ORIGIN } }) };
}

/** The widget's direct upload: ask for a URL, PUT the file there, have the relay complete it. */
async function directUpload(data: Buffer, name: string, type = 'application/octet-stream') {
  const begun = await h.send('/attachments/uploads', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ name, size: data.length, type }) });
  expect(begun.status).toBe(201);
  const { id, url, headers } = (await begun.json()) as { id: string; url: string; headers: Record<string, string> };
  const put = await fetch(url, { method: 'PUT', body: new Uint8Array(data), headers });
  expect(put.status).toBe(200);
  return { id, complete: () => h.send(`/attachments/${id}/complete`, { method: 'POST', headers: { Origin: ORIGIN } }) };
}

describe('attachments in S3-compatible storage', () => {
  it('stores an upload in the bucket, and Socialboards gets it through the relay’s link and a signed redirect', async () => {
    h = await startHarness(s3Env(s3));
    const response = await upload(h.relay.url, PNG, 'mirror.png');
    expect(response.status).toBe(201);
    const file = (await response.json()) as Uploaded;

    expect((await h.post({ ...TICKET, attachments: [file.id] })).status).toBe(201);

    const [ticket] = await h.fakeTickets();
    expect(ticket?.body.attachments).toEqual([{ url: `${h.relay.url}/files/${keyOf(file.id)}/mirror.png`, name: 'mirror.png' }]);
    expect(ticket?.attachmentsFetched?.[0]).toMatchObject({ status: 200, size: PNG.length, sha256: sha256(PNG), contentType: 'image/png' });
    expect(ticket?.attachmentsFetched?.[0]?.contentDisposition).toContain('attachment; filename="mirror.png"');
  });

  it('redirects each visit to a fresh signed URL valid for S3_URL_TTL_SECONDS', async () => {
    h = await startHarness(s3Env(s3, { S3_URL_TTL_SECONDS: '120' }));
    const file = (await (await upload(h.relay.url, PDF, 'a.pdf')).json()) as Uploaded;
    expect((await h.post({ ...TICKET, attachments: [file.id] })).status).toBe(201);

    const response = await fetch(`${h.relay.url}/files/${keyOf(file.id)}/a.pdf`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('Location') ?? '');
    expect(location.origin).toBe(s3.endpoint);
    expect(location.searchParams.get('X-Amz-Expires')).toBe('120');
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    // The relay's own link never carries a signature or the bucket's address.
    expect(JSON.stringify((await h.fakeTickets())[0]?.body)).not.toContain(s3.endpoint);
  });

  it('does not serve an upload no ticket has taken', async () => {
    h = await startHarness(s3Env(s3));
    const file = (await (await upload(h.relay.url, PNG, 'a.png')).json()) as Uploaded;
    expect((await fetch(`${h.relay.url}/files/${keyOf(file.id)}/a.png`, { redirect: 'manual' })).status).toBe(404);
  });

  it('offers direct uploads in GET /form only when S3_DIRECT_UPLOAD is on', async () => {
    h = await startHarness(s3Env(s3));
    expect(((await (await h.send('/form')).json()) as { attachments: { direct?: boolean } }).attachments.direct).toBeUndefined();
    expect((await h.send('/attachments/uploads', { method: 'POST', headers: JSON_HEADERS, body: '{}' })).status).toBe(404);
  });

  describe('direct uploads (S3_DIRECT_UPLOAD=true)', () => {
    it('lets the browser PUT to the bucket, then checks and stores the file for a ticket', async () => {
      h = await startHarness(s3Env(s3, { S3_DIRECT_UPLOAD: 'true' }));
      expect(((await (await h.send('/form')).json()) as { attachments: { direct?: boolean } }).attachments.direct).toBe(true);
      const { jpeg, scanAt } = buildJpeg();

      const { id, complete } = await directUpload(jpeg, 'IMG_1.jpg', 'image/jpeg');
      const completed = await complete();

      expect(completed.status).toBe(201);
      expect(await completed.json()).toEqual({ id, name: 'IMG_1.jpg', size: jpeg.length, type: 'image/jpeg' });
      expect((await h.post({ ...TICKET, attachments: [id] })).status).toBe(201);
      const fetched = (await h.fakeTickets())[0]?.attachmentsFetched?.[0];
      expect(fetched).toMatchObject({ status: 200, size: jpeg.length });
      // Location data was stripped on the way in, so the bytes differ from the upload only there.
      expect(fetched?.sha256).not.toBe(sha256(jpeg));
      const served = Buffer.from(await (await fetch(`${h.relay.url}/files/${keyOf(id)}/IMG_1.jpg`)).arrayBuffer());
      expect(served.toString('latin1')).not.toContain('GPS');
      expect(served.subarray(scanAt).equals(jpeg.subarray(scanAt))).toBe(true);
      // Completing again (a retry after a lost answer) gives the same answer and leaves the file attached.
      const again = await complete();
      expect(again.status).toBe(201);
      expect(await again.json()).toEqual({ id, name: 'IMG_1.jpg', size: jpeg.length, type: 'image/jpeg' });
      expect((await fetch(`${h.relay.url}/files/${keyOf(id)}/IMG_1.jpg`, { redirect: 'manual' })).status).toBe(302);
    });

    it('refuses a renamed program put straight into the bucket', async () => {
      h = await startHarness(s3Env(s3, { S3_DIRECT_UPLOAD: 'true' }));
      const { id, complete } = await directUpload(Buffer.concat([Buffer.from('MZ'), Buffer.alloc(100)]), 'invoice.pdf', 'application/pdf');
      const completed = await complete();
      expect(completed.status).toBe(415);
      expect((await errorOf(completed)).code).toBe('unsupported_media_type');
      const response = await h.post({ ...TICKET, attachments: [id] });
      expect(response.status).toBe(400);
    });

    it.each([
      { kind: 'a PDF with a script in a compressed object stream', data: objectStreamPdf(), name: 'invoice.pdf', says: 'a PDF that runs code (/JavaScript in a compressed object stream)' },
      { kind: 'a plain ZIP named .docx', data: plainZip(), name: 'report.docx', says: 'a ZIP archive' },
      { kind: 'text with markup past its first 4 KB', data: Buffer.concat([Buffer.alloc(9000, 'a'), Buffer.from('<iframe src=//evil.example>')]), name: 'notes.txt', says: 'HTML markup (<iframe at byte 9000)' },
    ])('checks $kind put straight into the bucket as a multipart upload is checked', async ({ data, name, says }) => {
      h = await startHarness(s3Env(s3, { S3_DIRECT_UPLOAD: 'true' }));
      const { complete } = await directUpload(data, name);
      const completed = await complete();
      expect(completed.status).toBe(415);
      expect((await errorOf(completed)).message).toContain(says);
    });

    it('refuses a declared size over the limit at once, and an object over the limit at completion', async () => {
      h = await startHarness(s3Env(s3, { S3_DIRECT_UPLOAD: 'true', RELAY_ATTACHMENT_MAX_FILE_MB: '0.001', RELAY_ATTACHMENT_MAX_TOTAL_MB: '1' }));
      const declared = await h.send('/attachments/uploads', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ name: 'a.pdf', size: 5000 }) });
      expect(declared.status).toBe(413);

      // s3rver does not check the signed Content-Length, so the PUT of more than declared lands.
      const { url, complete } = await begin(10);
      const put = await fetch(url, { method: 'PUT', body: new Uint8Array(Buffer.concat([PDF, Buffer.alloc(5000)])) });
      expect(put.status).toBe(200);
      const completed = await complete();
      expect(completed.status).toBe(413);
      expect((await errorOf(completed)).code).toBe('payload_too_large');
    });

    it.each([
      { kind: 'larger', extra: 500 },
      { kind: 'smaller', extra: -20 },
    ])('refuses and deletes an object $kind than declared but within the limit (where the bucket let it in)', async ({ extra }) => {
      h = await startHarness(s3Env(s3, { S3_DIRECT_UPLOAD: 'true', RELAY_ATTACHMENT_MAX_FILE_MB: '0.001', RELAY_ATTACHMENT_MAX_TOTAL_MB: '1' }));
      const declared = 200;
      const { id, url, complete } = await begin(declared);
      const data = Buffer.concat([PDF, Buffer.alloc(declared - PDF.length + extra)]);
      expect((await fetch(url, { method: 'PUT', body: new Uint8Array(data) })).status).toBe(200);

      const completed = await complete();

      expect(completed.status).toBe(400);
      expect(await errorOf(completed)).toMatchObject({ code: 'validation', message: `The file uploaded is not the size declared (${declared} bytes).`, fields: [{ path: 'file', code: 'invalid' }] });
      expect((await bucket.fetch(`${s3.endpoint}/${BUCKET}/attachments/${keyOf(id)}.upload`)).status).toBe(404);
      expect((await complete()).status).toBe(404);
      expect((await h.post({ ...TICKET, attachments: [id] })).status).toBe(400);
    });

    it('gets an upload URL the bucket refuses for any other length than declared (when it checks signed headers, as AWS does)', async () => {
      h = await startHarness(s3Env(s3, { S3_DIRECT_UPLOAD: 'true' }));
      s3.checkSignedHeaders = true;
      const begun = await h.send('/attachments/uploads', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ name: 'a.pdf', size: PDF.length }) });
      const { id, url, headers } = (await begun.json()) as { id: string; url: string; headers: Record<string, string> };

      for (const body of [Buffer.concat([PDF, Buffer.alloc(1024 * 1024)]), PDF.subarray(0, 10)]) {
        expect((await fetch(url, { method: 'PUT', body: new Uint8Array(body), headers })).status).toBe(403);
      }
      expect((await fetch(url, { method: 'PUT', body: new Uint8Array(PDF), headers })).status).toBe(200);
      const completed = await h.send(`/attachments/${id}/complete`, { method: 'POST', headers: { Origin: ORIGIN } });
      expect(completed.status).toBe(201);
    });

    it('stops reading a refused object from the bucket', async () => {
      h = await startHarness(s3Env(s3, { S3_DIRECT_UPLOAD: 'true', RELAY_ATTACHMENT_MAX_FILE_MB: '30', RELAY_ATTACHMENT_MAX_TOTAL_MB: '30' }));
      const size = 24 * 1024 * 1024;
      const { id, complete } = await directUpload(Buffer.concat([Buffer.from('MZ'), Buffer.alloc(size - 2)]), 'setup.pdf');

      const completed = await complete();
      expect(completed.status).toBe(415);

      // The first bytes decided: the relay closes its download of the object instead of leaving it
      // open (or reading the rest for nothing).
      const download = `GET /${BUCKET}/attachments/${keyOf(id)}.upload`;
      for (let waited = 0; !s3.cut.has(download) && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(s3.cut.has(download)).toBe(true);
      expect(s3.served.get(download)).toBeLessThan(size);
    });

    it.each([
      { kind: 'no JSON', body: 'name=a', type: 'text/plain', status: 415 },
      { kind: 'a missing size', body: JSON.stringify({ name: 'a.pdf' }), type: 'application/json', status: 400 },
      { kind: 'a size of 0', body: JSON.stringify({ name: 'a.pdf', size: 0 }), type: 'application/json', status: 400 },
    ])('refuses a request for an upload URL with $kind', async ({ body, type, status }) => {
      h = await startHarness(s3Env(s3, { S3_DIRECT_UPLOAD: 'true' }));
      const response = await h.send('/attachments/uploads', { method: 'POST', headers: { 'Content-Type': type, Origin: ORIGIN }, body });
      expect(response.status).toBe(status);
    });

    it('answers 400 when completing an upload that was never PUT, and 404 for an unknown id', async () => {
      h = await startHarness(s3Env(s3, { S3_DIRECT_UPLOAD: 'true' }));
      const begun = await h.send('/attachments/uploads', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ name: 'a.pdf', size: 10 }) });
      const { id } = (await begun.json()) as { id: string };
      expect((await h.send(`/attachments/${id}/complete`, { method: 'POST' })).status).toBe(400);
      expect((await h.send(`/attachments/${'x'.repeat(43)}/complete`, { method: 'POST' })).status).toBe(404);
    });
  });
});
