/** The relay's Worker in workerd (miniflare) for a test file, to reach its Durable Objects from Node. */
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll } from 'vitest';
import type { DurableObjectNamespaceLike } from '../../src/relay/stores/durable-idempotency-store';
import { COMPATIBILITY, bundleWorker } from './worker-bundle';

/** The Worker's Durable Object bindings, by the names its wrangler.toml gives them. */
const CLASSES = { IDEMPOTENCY: 'IdempotencyShard', RATE_LIMITS: 'RateLimitShard', OUTBOX: 'OutboxShard', CHALLENGES: 'ChallengeShard' } as const;
export type NamespaceName = keyof typeof CLASSES;

/**
 * Bundles and starts the Worker before the enclosing block's tests, and disposes of it after them.
 * Returns a getter for one of its namespaces: calls through it run in workerd.
 */
export function useDurableObjects(): (name: NamespaceName) => DurableObjectNamespaceLike {
  let worker: Miniflare | undefined;
  const namespaces = new Map<NamespaceName, DurableObjectNamespaceLike>();
  beforeAll(async () => {
    worker = new Miniflare({
      modules: [{ type: 'ESModule', path: 'relay-worker.mjs', contents: (await bundleWorker()).script }],
      ...COMPATIBILITY,
      durableObjects: Object.fromEntries(Object.entries(CLASSES).map(([name, className]) => [name, { className, useSQLite: true }])),
    });
    for (const name of Object.keys(CLASSES) as NamespaceName[]) {
      namespaces.set(name, (await worker.getDurableObjectNamespace(name)) as unknown as DurableObjectNamespaceLike);
    }
  }, 60_000);
  afterAll(async () => {
    await worker?.dispose();
  });
  return (name) => {
    const namespace = namespaces.get(name);
    if (namespace === undefined) throw new Error('workerd is not running yet: call the getter from a test or hook');
    return namespace;
  };
}
