import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchAttachments, isLoopbackUrl } from '../../src/fake-socialboards/fetch-attachments';
import { MINIMAL_BODY, makeFake } from './support';

const FILE = Buffer.from('%PDF-1.4\nhello\n');
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let server: Server;
let base: string;
beforeEach(async () => {
  server = createServer((request, response) => {
    if (request.url === '/file.pdf') {
      response.writeHead(200, { 'Content-Type': 'application/pdf', 'Content-Disposition': 'attachment; filename="file.pdf"' });
      response.end(FILE);
    } else if (request.url === '/moved') {
      response.writeHead(302, { Location: '/file.pdf' });
      response.end();
    } else if (request.url === '/away') {
      response.writeHead(302, { Location: 'https://files.example/file.pdf' });
      response.end();
    } else if (request.url === '/loop') {
      response.writeHead(302, { Location: '/loop' });
      response.end();
    } else if (request.url === '/hang') {
      // never answers
    } else {
      response.writeHead(404);
      response.end('no');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const fetchOne = async (url: string, timeoutMs = 2000) => (await fetchAttachments([{ url, name: 'file.pdf' }], { fetch, timeoutMs }))[0];

describe('fetching attachments', () => {
  it('records the status, size, SHA-256 and headers of what it got', async () => {
    expect(await fetchOne(`${base}/file.pdf`)).toEqual({
      url: `${base}/file.pdf`,
      name: 'file.pdf',
      status: 200,
      size: FILE.length,
      sha256: sha256(FILE),
      contentType: 'application/pdf',
      contentDisposition: 'attachment; filename="file.pdf"',
    });
  });

  it('follows redirects on this machine', async () => {
    expect(await fetchOne(`${base}/moved`)).toMatchObject({ status: 200, size: FILE.length, sha256: sha256(FILE) });
  });

  it.each([
    { path: '/missing', expected: { status: 404, size: null, sha256: null } },
    { path: '/away', expected: { status: null, error: 'not fetched: redirected to an address beyond this machine' } },
    { path: '/loop', expected: { status: null, error: 'more than 5 redirects' } },
  ])('records $path as $expected', async ({ path, expected }) => {
    expect(await fetchOne(`${base}${path}`)).toMatchObject(expected);
  });

  it('records a URL that does not answer in time', async () => {
    expect(await fetchOne(`${base}/hang`, 200)).toMatchObject({ status: null, error: 'no answer within 200 ms' });
  });

  it('records an address where nothing listens', async () => {
    const port = (server.address() as AddressInfo).port;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    server = createServer();
    expect(await fetchOne(`http://127.0.0.1:${port}/file.pdf`)).toMatchObject({ status: null, error: 'ECONNREFUSED' });
  });

  it.each([
    ['http://127.0.0.1:1/a', true],
    ['http://127.1.2.3/a', true],
    ['http://[::1]:8080/a', true],
    ['http://localhost/a', true],
    ['http://files.localhost/a', true],
    ['https://files.example/a', false],
    ['http://10.0.0.1/a', false],
    ['http://[::ffff:7f00:1]/a', false],
    ['not a url', false],
  ])('counts %s as loopback: %s', (url, loopback) => {
    expect(isLoopbackUrl(url)).toBe(loopback);
  });
});

describe('POST /tickets with attachments', () => {
  it('fetches each URL before answering, stores the ticket whatever they gave, and lists what it got', async () => {
    const fake = makeFake();
    const attachments = [
      { url: `${base}/file.pdf`, name: 'file.pdf' },
      { url: `${base}/missing`, name: 'gone.png' },
    ];

    const answer = await fake.postTicket({ ...MINIMAL_BODY, attachments });

    expect(answer.status).toBe(200);
    const { tickets } = (await (await fake.app.request('/__fake/tickets')).json()) as { tickets: { attachmentsFetched: unknown }[] };
    expect(tickets[0]?.attachmentsFetched).toEqual([
      expect.objectContaining({ url: `${base}/file.pdf`, name: 'file.pdf', status: 200, size: FILE.length, sha256: sha256(FILE) }),
      expect.objectContaining({ url: `${base}/missing`, name: 'gone.png', status: 404, size: null }),
    ]);
  });

  it('fetches nothing, and records nothing, for a ticket without attachments', async () => {
    const fake = makeFake();
    await fake.postTicket({ ...MINIMAL_BODY, attachments: [] });
    expect(fake.state.tickets[0]).not.toHaveProperty('attachmentsFetched');
  });
});
