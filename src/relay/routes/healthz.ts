/** `GET /healthz`: liveness for load balancers; calls nothing upstream and reveals no configuration. */
import { Hono } from 'hono';
import type { OutboxStore } from '../outbox/outbox-store';
import type { RelayEnv } from '../relay-env';

/**
 * With an outbox, its depth too (`queued`, `dead`): a number an operator can alert on. A store that
 * cannot be read does not make the relay unhealthy (it answers without the figures).
 */
export const healthzRoute = ({ outbox }: { outbox: OutboxStore | undefined }) =>
  new Hono<RelayEnv>().get('/healthz', async (c) => {
    if (outbox === undefined) return c.json({ status: 'ok' });
    const counts = await outbox.counts().catch(() => undefined);
    return c.json(counts === undefined ? { status: 'ok' } : { status: 'ok', outbox: counts });
  });
