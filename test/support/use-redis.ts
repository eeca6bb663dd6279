/** A throwaway Redis per test file or describe block, so Redis-backed suites need no start/stop scaffolding of their own. */
import { afterAll, beforeAll } from 'vitest';
import { startRedis, type RunningRedis } from './redis-server';

/**
 * Starts a redis-server (see startRedis) before the enclosing block's tests and stops it after
 * them. Returns a getter: the server exists only once the block's tests run.
 */
export function useRedis(): () => RunningRedis {
  let redis: RunningRedis | undefined;
  // Installing Debian's package on a fresh machine can take a minute.
  beforeAll(async () => {
    redis = await startRedis();
  }, 120_000);
  afterAll(async () => {
    await redis?.close();
  });
  return () => {
    if (redis === undefined) throw new Error('Redis is not running yet: call the getter from a test or hook, not while collecting tests');
    return redis;
  };
}
