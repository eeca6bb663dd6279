/** Upload quotas per client: bytes stored per day (attached or not), a share of the pending cap, bytes counted as they arrive. */
import { describe, expect, it } from 'vitest';
import { createRelayApp } from '../../../src/relay/app';
import { memoryStorage } from '../attachments/memory-storage';
import { ORIGIN, captureLogs, memoryStore, scriptedSocialboards, testConfig } from '../helpers';

const KB = 1024;
const MB = 1024 * KB;
const text = (size: number) => Buffer.alloc(size, 'plain text for the quota tests. ');

function multipart(data: Buffer, name: string): { body: Buffer; headers: Record<string, string> } {
  const boundary = '----relay-quota-test';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: text/plain\r\n\r\n`),
    data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(body.length), Origin: ORIGIN } };
}

function setup(env: Record<string, string>) {
  const clock = { now: 1_700_000_000_000 };
  const memory = memoryStorage(() => clock.now);
  const app = createRelayApp(testConfig({ RELAY_ATTACHMENT_MAX_FILE_MB: '1', RELAY_ATTACHMENT_MAX_TOTAL_MB: '2', ...env }), {
    fetch: scriptedSocialboards().fetch,
    log: captureLogs().log,
    now: () => clock.now,
    idempotencyStore: memoryStore({ now: () => clock.now }),
    attachmentStorage: memory.storage,
    socketAddress: (c) => (c.env as { remote?: string } | undefined)?.remote,
  });
  const upload = (data: Buffer, from = '203.0.113.7') => {
    const { body, headers } = multipart(data, 'notes.txt');
    return app.request('/attachments', { method: 'POST', body: new Uint8Array(body), headers }, { remote: from });
  };
  let n = 0;
  const post = (attachments: string[], from = '203.0.113.7') =>
    app.request(
      '/tickets',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: ORIGIN, 'Idempotency-Key': `quota-key-${String((n += 1)).padStart(6, '0')}` },
        body: JSON.stringify({ title: 'Files', message: 'See attached.', creator: { email: 'ann@example.com' }, attachments }),
      },
      { remote: from },
    );
  return { app, clock, memory, upload, post };
}

const idOf = async (response: Response) => ((await response.json()) as { id: string }).id;
const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string } }).error;

describe('bytes stored per client per day (RELAY_ATTACHMENT_DAILY_MB)', () => {
  it('counts files that tickets took, so upload → attach → repeat stops at the budget', async () => {
    const { upload, post, memory } = setup({ RELAY_ATTACHMENT_DAILY_MB: '3' });
    let attached = 0;
    for (let round = 0; round < 10; round += 1) {
      const uploaded = await upload(text(900 * KB));
      if (uploaded.status !== 201) {
        expect(uploaded.status).toBe(429);
        const retryAfter = Number(uploaded.headers.get('Retry-After'));
        expect(retryAfter).toBeGreaterThan(86_000);
        expect(retryAfter).toBeLessThanOrEqual(86_400);
        expect((await errorOf(uploaded)).code).toBe('rate_limited');
        break;
      }
      expect((await post([await idOf(uploaded)])).status).toBe(201);
      attached += 1;
    }
    expect(attached).toBe(3);
    expect([...memory.bytes.values()].reduce((sum, bytes) => sum + bytes.length, 0)).toBeLessThanOrEqual(3 * MB);
  });

  it('charges what was stored, not what was declared or refused', async () => {
    const { upload } = setup({ RELAY_ATTACHMENT_DAILY_MB: '2' });
    // Refused uploads (a program, an oversized file) give their reservation back.
    const program = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(500 * KB, 0x90)]);
    for (let i = 0; i < 5; i += 1) expect((await upload(program)).status).toBe(415);
    for (let i = 0; i < 5; i += 1) expect((await upload(text(MB + KB))).status).toBe(413);
    // Small files cost their size: forty 40 KB files fit in 2 MB.
    for (let i = 0; i < 40; i += 1) expect((await upload(text(40 * KB))).status).toBe(201);
  });

  it('is per client: another address still uploads', async () => {
    const { upload } = setup({ RELAY_ATTACHMENT_DAILY_MB: '1' });
    expect((await upload(text(900 * KB))).status).toBe(201);
    expect((await upload(text(900 * KB))).status).toBe(429);
    expect((await upload(text(900 * KB), '198.51.100.8')).status).toBe(201);
  });
});

describe('the pending share per client (RELAY_ATTACHMENT_PENDING_CLIENT_MB)', () => {
  it('stops one client at its share of unattached uploads while others upload, and frees it when a ticket takes them', async () => {
    const { upload, post } = setup({ RELAY_ATTACHMENT_PENDING_CLIENT_MB: '2', RELAY_ATTACHMENT_PENDING_MB: '100' });
    const ids = [await idOf(await upload(text(900 * KB))), await idOf(await upload(text(900 * KB)))];
    const refused = await upload(text(900 * KB));
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).message).toBe('You have too many uploads that no ticket has taken yet; send them with a ticket, or try again later.');
    expect((await upload(text(900 * KB), '198.51.100.8')).status).toBe(201);
    expect((await post(ids)).status).toBe(201);
    expect((await upload(text(900 * KB))).status).toBe(201);
  });

  it('counts bytes as they arrive: an upload that passes the share mid-body is cut off with 429 and stores nothing', async () => {
    const { upload, memory } = setup({ RELAY_ATTACHMENT_PENDING_CLIENT_MB: '1', RELAY_ATTACHMENT_PENDING_MB: '100' });
    expect((await upload(text(600 * KB))).status).toBe(201);
    const cut = await upload(text(600 * KB));
    expect(cut.status).toBe(429);
    expect(memory.metas.size).toBe(1);
  });
});
