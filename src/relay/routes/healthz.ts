/** `GET /healthz`: liveness for load balancers; calls nothing upstream and reveals no configuration. */
import { Hono } from 'hono';
import type { RelayEnv } from '../relay-env';

export const healthzRoute = () => new Hono<RelayEnv>().get('/healthz', (c) => c.json({ status: 'ok' }));
