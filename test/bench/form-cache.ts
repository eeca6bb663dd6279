/**
 * The form definition's cost, as ratios measured in one run: `GET /form` answered from the relay's
 * cache and revalidated with `If-None-Match` (304), against fetching Socialboards' two lists
 * straight from the fake each time, as a relay without a cache would. Loopback only; bounded.
 */
import { DEMO_FORM_CONFIG } from '../../src/dev/stack';
import { ORIGIN, startBenchStack } from './bench-stack';


async function timed(count: number, task: () => Promise<void>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await task();
  return performance.now() - started;
}

export async function formCache(count = 500) {
  const { fake, relay, auth, close } = await startBenchStack({ RELAY_FORM_CONFIG: DEMO_FORM_CONFIG });
  try {
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
    await close();
  }
}
