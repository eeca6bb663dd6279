/**
 * The attachment routes over `app.request`, on in-memory storage with in-memory direct uploads:
 * body limits, the cap on unattached uploads, repeated completions, refused multipart bodies, a
 * storage failure after the ticket exists, and what the request log keeps out.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRelayApp } from '../../../src/relay/app';
import { DEFAULT_LEASE_MS } from '../../../src/relay/attachments/lifecycle';
import { keyOf } from '../../../src/relay/attachments/reference';
import type { AttachmentStorage, DirectUploads, PendingUpload } from '../../../src/relay/attachments/storage';
import { captureLogs, ORIGIN, memoryStore, scriptedSocialboards, testConfig } from '../helpers';
import { PNG } from './documents';
import { memoryStorage } from './memory-storage';

const KB = 1024;
const MINUTE = 60_000;
const png = (size: number) => Buffer.concat([PNG, Buffer.alloc(size - PNG.length, 7)]);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const TICKET = { title: 'Broken mirror', message: 'See the photos.', creator: { email: 'ann@example.com' } };
const JSON_HEADERS = { 'Content-Type': 'application/json', Origin: ORIGIN };

const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string } }).error;

/** A multipart body with one file in `file`, with its Content-Length, as a browser sends it. */
function multipart(data: Buffer, name: string, { closed = true } = {}): { body: Buffer; headers: Record<string, string> } {
  const boundary = '----relay-routes-test';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    data,
    // Without the closing `--`, the file part is whole but the body is not.
    Buffer.from(closed ? `\r\n--${boundary}--\r\n` : `\r\n--${boundary}\r\n`),
  ]);
  return { body, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(body.length), Origin: ORIGIN } };
}

/** In-memory direct uploads: `put` stands for the browser's PUT to the signed URL. */
function memoryDirect() {
  const objects = new Map<string, Buffer | Readable>();
  const pending = new Map<string, PendingUpload>();
  const direct: DirectUploads = {
    async begin(key, upload) {
      pending.set(key, upload);
      return { url: `https://bucket.test/${key}.upload`, headers: { 'Content-Type': 'application/octet-stream' } };
    },
    pending: async (key) => pending.get(key),
    async open(key) {
      const object = objects.get(key);
      if (object === undefined) return undefined;
      if (object instanceof Readable) return { size: 1, body: object };
      return { size: object.length, body: Readable.from([object]) };
    },
    async discard(key) {
      objects.delete(key);
      pending.delete(key);
    },
  };
  return { direct, objects };
}

function setup(env: Record<string, string> = {}, wrap: (storage: AttachmentStorage) => AttachmentStorage = (storage) => storage) {
  const clock = { now: 1_700_000_000_000 };
  const memory = memoryStorage(() => clock.now);
  const { direct, objects } = memoryDirect();
  const storage = wrap({ ...memory.storage, direct });
  const upstream = scriptedSocialboards();
  const logs = captureLogs();
  const config = testConfig({
    RELAY_ATTACHMENTS: 's3',
    S3_BUCKET: 'bucket',
    S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    S3_SECRET_ACCESS_KEY: 'secret',
    S3_DIRECT_UPLOAD: 'true',
    ...env,
  });
  const app = createRelayApp(config, {
    fetch: upstream.fetch,
    log: logs.log,
    now: () => clock.now,
    attachmentStorage: storage,
    idempotencyStore: memoryStore({ now: () => clock.now }),
  });
  let keys = 0;
  const send = (path: string, init: RequestInit = {}) => app.request(path, init);
  const upload = (data: Buffer, name: string, options: { closed?: boolean } = {}) => {
    const { body, headers } = multipart(data, name, options);
    return send('/attachments', { method: 'POST', body: new Uint8Array(body), headers });
  };
  const begin = (name: string, size: number) =>
    send('/attachments/uploads', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ name, size, type: 'application/pdf' }) });
  /** Asks for an upload URL, "PUTs" `data`, and returns the id and a way to complete it. */
  const directUpload = async (data: Buffer, name: string) => {
    const begun = await begin(name, data.length);
    expect(begun.status).toBe(201);
    const { id } = (await begun.json()) as { id: string };
    objects.set(keyOf(id), data);
    return { id, complete: () => send(`/attachments/${id}/complete`, { method: 'POST', headers: { Origin: ORIGIN } }) };
  };
  const post = (attachments: string[], key = `routes-test-key-${String(++keys).padStart(4, '0')}`) =>
    send('/tickets', {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'Idempotency-Key': key },
      body: JSON.stringify({ ...TICKET, attachments }),
    });
  return { app, clock, metas: memory.metas, bytes: memory.bytes, objects, upstream, logs, send, upload, begin, directUpload, post };
}

describe('POST /attachments/uploads body limit', () => {
  it('refuses a body over 4 KB with 413 before reading it, declared or streamed', async () => {
    const { send, begin } = setup();
    const padded = JSON.stringify({ name: 'a.pdf', size: 10, pad: 'x'.repeat(300 * KB) });
    const declared = await send('/attachments/uploads', { method: 'POST', headers: JSON_HEADERS, body: padded });
    expect(declared.status).toBe(413);
    expect((await errorOf(declared)).code).toBe('payload_too_large');

    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new TextEncoder().encode(pulled === 1 ? '{"name":"a.pdf","pad":"' : 'x'.repeat(KB)));
      },
    });
    const streamed = await send('/attachments/uploads', { method: 'POST', headers: JSON_HEADERS, body: endless, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(pulled).toBeLessThan(20);

    // A real request is far below it.
    expect((await begin(`${'名'.repeat(990)}.pdf`, 10)).status).toBe(201);
  });
});

describe('POST /attachments/uploads body encoding', () => {
  it('refuses a body that is not UTF-8 with 400 validation', async () => {
    const { send } = setup();
    const latin1 = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9]), Buffer.from('.pdf","size":10}')]);
    const response = await send('/attachments/uploads', { method: 'POST', headers: JSON_HEADERS, body: new Uint8Array(latin1) });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({ code: 'validation', message: 'The request body is not valid UTF-8.' });
  });
});

describe('the cap on unattached uploads (RELAY_ATTACHMENT_PENDING_MB)', () => {
  const CAPPED = { RELAY_ATTACHMENT_PENDING_MB: '1', RELAY_ATTACHMENT_MAX_FILE_MB: '0.5', RELAY_ATTACHMENT_MAX_TOTAL_MB: '1' };

  it('answers 429 rate_limited with Retry-After once uploads no ticket took would pass it', async () => {
    const { upload, metas } = setup(CAPPED);
    const stored = [];
    for (let i = 0; i < 3; i++) {
      const response = await upload(png(300 * KB), `photo-${i}.png`);
      expect(response.status).toBe(201);
      stored.push(await response.json());
    }
    const refused = await upload(png(300 * KB), 'one-too-many.png');

    expect(refused.status).toBe(429);
    // Truthful: the first upload stops counting after the orphan time (60 min) plus the lease (2 min).
    expect(refused.headers.get('Retry-After')).toBe(String((60 * MINUTE + DEFAULT_LEASE_MS) / 1000));
    expect(await errorOf(refused)).toEqual({
      code: 'rate_limited',
      message: 'The relay holds too many uploads that no ticket has taken yet; try again later.',
    });
    expect(metas.size).toBe(3);
  });

  it('counts an upload until a ticket takes it', async () => {
    const { upload, post } = setup(CAPPED);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(((await (await upload(png(300 * KB), `p${i}.png`)).json()) as { id: string }).id);
    expect((await upload(png(300 * KB), 'next.png')).status).toBe(429);

    expect((await post(ids.slice(0, 2))).status).toBe(201);
    expect((await upload(png(300 * KB), 'next.png')).status).toBe(201);
  });

  it('counts nothing for refused uploads', async () => {
    const { upload } = setup(CAPPED);
    const program = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(400 * KB, 0x90)]);
    for (let i = 0; i < 5; i++) expect((await upload(program, 'invoice.pdf')).status).toBe(415);
    for (let i = 0; i < 5; i++) expect((await upload(png(600 * KB), 'big.png')).status).toBe(413);
    for (let i = 0; i < 3; i++) expect((await upload(png(300 * KB), `p${i}.png`)).status).toBe(201);
  });

  it('stops counting an upload once the sweep may delete it (orphan time plus lease)', async () => {
    const { upload, clock } = setup({ ...CAPPED, RELAY_ATTACHMENT_ORPHAN_MINUTES: '60' });
    for (let i = 0; i < 3; i++) expect((await upload(png(300 * KB), `p${i}.png`)).status).toBe(201);
    clock.now += 60 * MINUTE + DEFAULT_LEASE_MS - 1;
    expect((await upload(png(300 * KB), 'next.png')).status).toBe(429);
    clock.now += 1;
    expect((await upload(png(300 * KB), 'next.png')).status).toBe(201);
  });

  it('counts direct uploads from the request for their URL, and gives the count back when completing refuses them', async () => {
    const { begin, directUpload } = setup(CAPPED);
    const first = await directUpload(Buffer.concat([Buffer.from('MZ'), Buffer.alloc(400 * KB)]), 'a.pdf');
    await directUpload(Buffer.concat([PDF, Buffer.alloc(400 * KB)]), 'b.pdf');
    const refused = await begin('c.pdf', 400 * KB);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('Retry-After')).toBe(String((60 * MINUTE + DEFAULT_LEASE_MS) / 1000));

    expect((await first.complete()).status).toBe(415);
    expect((await begin('c.pdf', 400 * KB)).status).toBe(201);
  });
});

describe('POST /attachments/<id>/complete, repeated', () => {
  it('answers a repeated completion as the first, even after a ticket took the file, and leaves the file attached', async () => {
    const { directUpload, post, metas, send } = setup();
    const { id, complete } = await directUpload(PDF, 'receipt.pdf');
    const first = await complete();
    expect(first.status).toBe(201);
    const answered = await first.json();
    expect((await post([id])).status).toBe(201);
    const attached = metas.get(keyOf(id));
    expect(attached?.attachedAt).toEqual(expect.any(Number));

    const again = await complete();

    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(answered);
    expect(metas.get(keyOf(id))).toEqual(attached);
    expect((await send(`/files/${keyOf(id)}/receipt.pdf`)).status).toBe(200);
  });

  it('runs concurrent completions of one upload once, and answers both the same', async () => {
    let stored = 0;
    const { directUpload } = setup({}, (storage) => ({
      ...storage,
      async put(key, body) {
        stored += 1;
        await storage.put(key, body);
      },
    }));
    const { complete } = await directUpload(PDF, 'receipt.pdf');

    const [a, b] = await Promise.all([complete(), complete()]);

    expect([a.status, b.status]).toEqual([201, 201]);
    expect(await a.json()).toEqual(await b.json());
    expect(stored).toBe(1);
  });

  it('leaves a file alone that another relay instance completed, and a ticket took, while this one was reading it', async () => {
    const { directUpload, objects, metas, send, clock } = setup();
    const { id, complete } = await directUpload(PDF, 'receipt.pdf');
    // This instance reads the object slowly; meanwhile another completes it and a ticket takes it.
    const slow = new Readable({ read() {} });
    objects.set(keyOf(id), slow);
    const completing = complete();
    slow.push(PDF);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const elsewhere = { name: 'receipt.pdf', size: PDF.length, type: 'application/pdf', createdAt: clock.now, attachedAt: clock.now, owner: 'a'.repeat(32) };
    metas.set(keyOf(id), elsewhere);
    slow.push(null);

    expect((await completing).status).toBe(201);
    expect(metas.get(keyOf(id))).toEqual(elsewhere);
    expect((await send(`/files/${keyOf(id)}/receipt.pdf`)).status).toBe(200);
  });

  it('answers 404 after a refused completion, and for an id of the wrong shape', async () => {
    const { directUpload, send } = setup();
    const { complete } = await directUpload(Buffer.concat([Buffer.from('MZ'), Buffer.alloc(100)]), 'invoice.pdf');
    expect((await complete()).status).toBe(415);
    expect((await complete()).status).toBe(404);
    expect((await send('/attachments/short/complete', { method: 'POST' })).status).toBe(404);
  });
});

describe('POST /attachments with a body that breaks off after the file', () => {
  it('answers 400 and leaves nothing stored', async () => {
    const { upload, bytes, metas } = setup();
    const response = await upload(PDF, 'receipt.pdf', { closed: false });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe('validation');
    // Whatever was still being stored when the answer went out is deleted once it is.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([...bytes.keys(), ...metas.keys()]).toEqual([]);
  });
});

describe('POST /tickets when attaching the files fails after the ticket was created', () => {
  const failingCommits = (failures: number) => (storage: AttachmentStorage) => {
    let left = failures;
    return {
      ...storage,
      async setMeta(key: string, meta: Parameters<AttachmentStorage['setMeta']>[1]) {
        if (meta.attachedAt !== undefined && left > 0) {
          left -= 1;
          throw new Error('EIO: i/o error, write');
        }
        await storage.setMeta(key, meta);
      },
    };
  };

  it('answers 201 with the ticket id, logs the failure, and a retry replays it instead of creating a second ticket', async () => {
    const { upload, post, upstream, logs } = setup({}, failingCommits(Number.POSITIVE_INFINITY));
    const { id } = (await (await upload(PDF, 'receipt.pdf')).json()) as { id: string };

    const first = await post([id], 'same-key-for-both-tries');
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ ticketId: 1000 });
    const retry = await post([id], 'same-key-for-both-tries');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true');

    expect(upstream.ticketCalls()).toHaveLength(1);
    expect(logs.records()).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'attachments could not be settled; they stay reserved until the lease lapses (a created ticket then loses its links)',
        ticketId: 1000,
        idempotencyKey: 'same-key-for-both-tries',
      }),
    );
  });

  it('tries attaching once more, so one storage blip costs nothing', async () => {
    const { upload, post, metas, logs } = setup({}, failingCommits(1));
    const { id } = (await (await upload(PDF, 'receipt.pdf')).json()) as { id: string };
    expect((await post([id])).status).toBe(201);
    expect(metas.get(keyOf(id))?.attachedAt).toEqual(expect.any(Number));
    expect(logs.records().filter((record) => record.level === 'error')).toEqual([]);
  });
});

describe('request log for attachment routes', () => {
  it('logs route patterns: no reference, file key or file name', async () => {
    const { upload, directUpload, post, send, logs } = setup();
    const uploaded = (await (await upload(PDF, 'passport-jane-doe.pdf')).json()) as { id: string; name: string };
    const direct = await directUpload(PDF, 'payslip-jane-doe.pdf');
    expect((await direct.complete()).status).toBe(201);
    expect((await post([uploaded.id, direct.id])).status).toBe(201);
    for (const id of [uploaded.id, direct.id]) {
      expect((await send(`/files/${keyOf(id)}/whatever-${id.slice(0, 8)}.pdf`)).status).toBe(200);
    }
    // A known route's path with a method it does not take.
    await send(`/attachments/${direct.id}/complete`, { method: 'GET', headers: { Origin: ORIGIN } });

    const text = logs.lines.join('\n');
    for (const secret of [uploaded.id, direct.id, keyOf(uploaded.id), keyOf(direct.id), 'passport-jane-doe', 'payslip-jane-doe', 'whatever-']) {
      expect(text).not.toContain(secret);
    }
    const paths = logs.records().filter((record) => record.msg === 'request').map((record) => `${String(record.method)} ${String(record.path)}`);
    expect(paths).toEqual([
      'POST /attachments',
      'POST /attachments/uploads',
      'POST /attachments/:id/complete',
      'POST /tickets',
      'GET /files/:key/:name',
      'GET /files/:key/:name',
      'GET /attachments/*',
    ]);
  });
});
