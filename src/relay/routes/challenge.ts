/** `GET /challenge`: a fresh ALTCHA challenge for the widget to solve (only when RELAY_CHALLENGE=altcha). */
import { Hono } from 'hono';
import type { RelayEnv } from '../relay-env';
import { CHALLENGE_PATH } from '../spam/challenge';

export interface ChallengeRouteOptions {
  issue: (host: string) => Promise<unknown>;
}

/**
 * Never cached: each challenge is good for one ticket. It is bound to the host of the page that
 * asked: the `Origin` a browser sends cross-origin (the CORS middleware has already refused origins
 * not allowed), or the relay's own host for a page served from it.
 */
export function challengeRoute({ issue }: ChallengeRouteOptions): Hono<RelayEnv> {
  return new Hono<RelayEnv>().get(CHALLENGE_PATH, async (c) => {
    const origin = c.req.header('Origin');
    const host = URL.canParse(origin ?? '') ? new URL(origin ?? '').hostname : new URL(c.req.url).hostname;
    return c.json(await issue(host), 200, { 'Cache-Control': 'no-store' });
  });
}
