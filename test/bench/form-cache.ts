/**
 * The form definition's cost, as ratios measured in one run: `GET /form` answered from the relay's
 * cache and revalidated with `If-None-Match` (304), against fetching Socialboards' two lists
 * straight from the fake each time, as a relay without a cache would. Loopback only; bounded.
 */
import { startFakeSocialboards } from '../../src/fake-socialboards/server';
import { parseRelayConfig } from '../../src/relay/config';
import { startRelay } from '../../src/relay/server';
import { DEMO_FORM_CONFIG } from '../../src/dev/stack';

const ORIGIN = 'http://bench.local';

async function timed(count: number, task: () => Promise<void>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await task();
  return performance.now() - started;
}

export async function formCache(count = 500) {
  const credentials = { clientId: 'bench-client', refreshToken: 'bench-refresh' };
  const fake = await startFakeSocialboards(credentials);
  const relay = await startRelay(
    parseRelayConfig({
      SOCIALBOARDS_CLIENT_ID: credentials.clientId,
      SOCIALBOARDS_REFRESH_TOKEN: credentials.refreshToken,
      SOCIALBOARDS_API_URL: fake.url,
      RELAY_ALLOWED_ORIGINS: ORIGIN,
      RELAY_FORM_CONFIG: DEMO_FORM_CONFIG,
      RELAY_PORT: '0',
      RELAY_LOG: 'silent',
    }),
  );
  try {
    const token = (await (
      await fetch(`${fake.url}/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.refreshToken, client_id: credentials.clientId }),
      })
    ).json()) as { access_token: string };
    const auth = { Authorization: `Bearer ${token.access_token}` };
    const first = await fetch(`${relay.url}/form`, { headers: { Origin: ORIGIN } });
    const etag = first.headers.get('ETag') ?? '';
    await first.arrayBuffer();

    const uncached = await timed(count, async () => {
      await Promise.all([
        fetch(`${fake.url}/customfields`, { headers: auth }).then((r) => r.arrayBuffer()),
        fetch(`${fake.url}/categories`, { headers: auth }).then((r) => r.arrayBuffer()),
      ]);
    });
    const cached = await timed(count, () => fetch(`${relay.url}/form`, { headers: { Origin: ORIGIN } }).then((r) => void r.arrayBuffer()));
    const revalidated = await timed(count, async () => {
      const response = await fetch(`${relay.url}/form`, { headers: { Origin: ORIGIN, 'If-None-Match': etag } });
      if (response.status !== 304) throw new Error(`expected 304, got ${response.status}`);
    });
    const upstreamCalls = (fake.state.requests as { path: string }[]).filter((r) => r.path === '/customfields').length;
    return { count, uncachedMs: uncached, cachedMs: cached, revalidatedMs: revalidated, upstreamCalls, bytes: Number(first.headers.get('Content-Length') ?? 0) };
  } finally {
    await relay.close();
    await fake.close();
  }
}
