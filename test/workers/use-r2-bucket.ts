/** An R2 bucket in workerd (miniflare) for a test file, reached from Node through miniflare's proxy. */
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll } from 'vitest';
import type { R2BucketLike } from '../../src/relay/attachments/r2-storage';

/**
 * Starts workerd with one R2 bucket before the enclosing block's tests, and disposes of it after
 * them. Returns a getter for the bucket: calls through it run in workerd's R2 implementation.
 */
export function useR2Bucket(): () => R2BucketLike {
  let worker: Miniflare | undefined;
  let bucket: R2BucketLike | undefined;
  beforeAll(async () => {
    worker = new Miniflare({ modules: true, script: 'export default { fetch: () => new Response(null, { status: 404 }) };', r2Buckets: ['BUCKET'] });
    bucket = (await worker.getR2Bucket('BUCKET')) as unknown as R2BucketLike;
  }, 60_000);
  afterAll(async () => {
    await worker?.dispose();
  });
  return () => {
    if (bucket === undefined) throw new Error('workerd is not running yet: call the getter from a test or hook');
    return bucket;
  };
}
