/** The relay's Worker in workerd (miniflare) for a test file, to reach its Durable Objects from Node. */
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll } from 'vitest';
import type { DurableObjectNamespaceLike } from '../../src/relay/stores/durable-idempotency-store';
import { COMPATIBILITY, bundleWorker } from './worker-bundle';

/**
 * Bundles and starts the Worker before the enclosing block's tests, and disposes of it after them.
 * Returns a getter for its `IDEMPOTENCY` namespace: calls through it run in workerd.
 */
export function useIdempotencyNamespace(): () => DurableObjectNamespaceLike {
  let worker: Miniflare | undefined;
  let namespace: DurableObjectNamespaceLike | undefined;
  beforeAll(async () => {
    worker = new Miniflare({
      modules: [{ type: 'ESModule', path: 'relay-worker.mjs', contents: (await bundleWorker()).script }],
      ...COMPATIBILITY,
      durableObjects: { IDEMPOTENCY: { className: 'IdempotencyShard', useSQLite: true } },
    });
    namespace = (await worker.getDurableObjectNamespace('IDEMPOTENCY')) as unknown as DurableObjectNamespaceLike;
  }, 60_000);
  afterAll(async () => {
    await worker?.dispose();
  });
  return () => {
    if (namespace === undefined) throw new Error('workerd is not running yet: call the getter from a test or hook');
    return namespace;
  };
}
