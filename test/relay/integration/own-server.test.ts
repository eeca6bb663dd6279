/**
 * The relay as a library, mounted in an operator's own Node server as README's "Inside your own
 * Node server" shows: under a path of the operator's Hono app, served on 127.0.0.1, sending to
 * the fake Socialboards.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_LIMITS } from '../../../src/dev/stack';
import { startFakeSocialboards } from '../../../src/fake-socialboards/server';
import type { RunningFakeSocialboards } from '../../../src/fake-socialboards/server';
import { buildRelay, parseRelayConfig } from '../../../src/relay/index';
import { memoryStore } from '../helpers';

const ORIGIN = 'https://shop.example';

describe('the relay mounted in your own Node server', () => {
  let fake: RunningFakeSocialboards;
  let server: Server;
  let base = '';

  beforeAll(async () => {
    fake = await startFakeSocialboards({ clientId: 'own-server-client', refreshToken: 'own-server-refresh-SECRET', port: 0 });
    const config = parseRelayConfig({
      ...DEMO_LIMITS,
      SOCIALBOARDS_CLIENT_ID: 'own-server-client',
      SOCIALBOARDS_REFRESH_TOKEN: 'own-server-refresh-SECRET',
      SOCIALBOARDS_API_URL: fake.url,
      RELAY_ALLOWED_ORIGINS: ORIGIN,
      RELAY_ATTACHMENTS: 'off',
      RELAY_OUTBOX: 'false',
      RELAY_LOG: 'silent',
    });
    // As in the README, but with the store in memory, so that the test writes nothing into the repository.
    const { app: relay } = buildRelay(config, { socketAddress: (c) => getConnInfo(c).remote.address, idempotencyStore: memoryStore() });
    const app = new Hono();
    app.get('/', (c) => c.text('the operator’s own page'));
    app.route('/support', relay);
    server = await new Promise<Server>((resolve) => {
      const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started as Server));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    });
    await fake.close();
  });

  it('keeps the operator’s own routes', async () => {
    const response = await fetch(`${base}/`);
    expect(await response.text()).toBe('the operator’s own page');
  });

  it('answers the widget under the path it is mounted at, and creates the ticket', async () => {
    const form = await fetch(`${base}/support/form`, { headers: { Origin: ORIGIN } });
    expect(form.status).toBe(200);
    expect(form.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const ticket = await fetch(`${base}/support/tickets`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: ORIGIN, 'Idempotency-Key': `own-server-${Date.now()}` },
      body: JSON.stringify({ title: 'Price list', message: 'How can I get a price list?', sentiment: 'question', creator: { name: 'Bill Smith', email: 'bill@example.com' } }),
    });
    expect(ticket.status).toBe(201);
    const { ticketId } = (await ticket.json()) as { ticketId: number };
    expect(fake.state.tickets.map((created) => created.id)).toContain(ticketId);
  });

  it('refuses other origins there as it does on its own', async () => {
    const response = await fetch(`${base}/support/tickets`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: 'https://evil.example' }, body: '{}' });
    expect(response.status).toBe(403);
  });
});
