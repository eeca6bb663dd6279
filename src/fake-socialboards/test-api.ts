/** The test-only `/__fake/*` endpoints: read tickets and the request log, inject faults, reset. */
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { readFaultRequest, toQueuedFault } from './faults';
import type { FakeState } from './state';

/**
 * Builds the `/__fake` sub-app. No auth: it is for tests and the local demo only. CORS is open so a
 * demo page served from another port can poll it and inject faults.
 */
export function createTestApi(state: FakeState): Hono {
  const api = new Hono();
  api.use('*', cors({ origin: '*', allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'] }));

  api.get('/tickets', (c) => c.json({ tickets: state.tickets }));
  api.get('/requests', (c) => c.json({ requests: state.requests }));
  api.get('/stats', (c) =>
    c.json({ inFlight: state.concurrency.inFlight, peakInFlight: state.concurrency.peak, tickets: state.tickets.length, duplicateTickets: state.duplicateTickets }),
  );

  api.post('/faults', async (c) => {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return c.json({ error: 'body: is not valid JSON' }, 400);
    }
    const read = readFaultRequest(body);
    if (!read.ok) return c.json({ error: read.error }, 400);
    const { fault } = read;
    if (fault.kind === 'expire-token') state.revokeTokens();
    else state.faults.push(toQueuedFault({ ...fault, kind: fault.kind }));
    return c.body(null, 204);
  });

  api.delete('/faults', (c) => {
    state.faults.length = 0;
    return c.body(null, 204);
  });

  api.post('/reset', (c) => {
    state.reset();
    return c.body(null, 204);
  });

  return api;
}
