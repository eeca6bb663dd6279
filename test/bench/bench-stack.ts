/** The fake Socialboards and a silent relay on ephemeral loopback ports, plus an access token, for the benchmarks. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeSocialboards } from '../../src/fake-socialboards/server';
import { parseRelayConfig } from '../../src/relay/config';
import type { RelayDeps } from '../../src/relay/app';
import { startRelay } from '../../src/relay/server';

export const ORIGIN = 'http://bench.local';
const CREDENTIALS = { clientId: 'bench-client', refreshToken: 'bench-refresh' };

/**
 * Every rate limit on but far out of reach: the benchmark sends thousands of requests from one
 * address, and measures the relay with its limiters counting, as in production.
 */
const OUT_OF_REACH = '100000000/1m';
export const BENCH_LIMITS: Record<string, string> = Object.fromEntries(
  ['REQUESTS', 'TICKETS', 'TICKETS_PER_ORIGIN', 'UPLOADS', 'UPLOADS_PER_ORIGIN', 'FORM', 'FORM_PER_ORIGIN', 'FILES'].map((name) => [`RELAY_RATE_LIMIT_${name}`, OUT_OF_REACH]),
);

/** Starts both; `env` adds relay variables, `deps` replaces the relay's parts (its store, say). `close()` stops both. */
export async function startBenchStack(env: Record<string, string> = {}, deps: RelayDeps = {}) {
  const fake = await startFakeSocialboards(CREDENTIALS);
  // The relay's idempotency store (SQLite, as in production), outside the repository.
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-relay-data-'));
  const relay = await startRelay(
    parseRelayConfig({
      SOCIALBOARDS_CLIENT_ID: CREDENTIALS.clientId,
      SOCIALBOARDS_REFRESH_TOKEN: CREDENTIALS.refreshToken,
      SOCIALBOARDS_API_URL: fake.url,
      RELAY_ALLOWED_ORIGINS: ORIGIN,
      RELAY_PORT: '0',
      RELAY_LOG: 'silent',
      RELAY_ATTACHMENTS: 'off',
      RELAY_MAX_REQUESTS_PER_CLIENT: '10000',
      RELAY_UPSTREAM_CONCURRENCY: '1000',
      RELAY_STORE_PATH: join(dataDir, 'relay.db'),
      ...BENCH_LIMITS,
      ...env,
    }),
    deps,
  );
  const answer = await fetch(`${fake.url}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: CREDENTIALS.refreshToken, client_id: CREDENTIALS.clientId }),
  });
  const { access_token: accessToken } = (await answer.json()) as { access_token: string };
  return {
    fake,
    relay,
    /** `Authorization` for calling the fake directly, as the relay does. */
    auth: { Authorization: `Bearer ${accessToken}` },
    async close() {
      await relay.close();
      await fake.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
