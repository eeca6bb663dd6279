import { describe, expect, it } from 'vitest';
import { createDefinitionCache } from '../../../src/relay/form/definition-cache';
import { failure } from '../../../src/relay/upstream/upstream-result';
import type { UpstreamResult } from '../../../src/relay/upstream/upstream-result';
import { captureLogs } from '../helpers';

const TTL_MS = 300_000;

/**
 * A cache over a counting load whose answers the test controls: each load resolves when the test
 * calls `settle`, with copy n (`v1`, `v2`, …) or a failure.
 */
function setup(options: { retryMs?: number } = {}) {
  const clock = { now: 1_000_000 };
  const logs = captureLogs();
  let loads = 0;
  const pending: ((result: UpstreamResult<string>) => void)[] = [];
  const cache = createDefinitionCache({
    load: () => {
      loads += 1;
      return new Promise<UpstreamResult<string>>((resolve) => pending.push(resolve));
    },
    ttlMs: TTL_MS,
    now: () => clock.now,
    log: logs.log,
    ...options,
  });
  const settle = async (result: UpstreamResult<string>) => {
    const next = pending.shift();
    if (next === undefined) throw new Error('no load is waiting');
    next(result);
    // Let the cache record the result before the test looks.
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  const ok = (value: string): UpstreamResult<string> => ({ ok: true, value });
  return { cache, clock, logs, loads: () => loads, waiting: () => pending.length, settle, ok };
}

describe('definition cache', () => {
  it('loads on first use and serves the copy while it is fresh', async () => {
    const { cache, clock, loads, settle, ok } = setup();
    const first = cache.get();
    await settle(ok('v1'));
    expect(await first).toEqual({ ok: true, value: 'v1' });
    clock.now += TTL_MS - 1;
    expect(await cache.get()).toEqual({ ok: true, value: 'v1' });
    expect(loads()).toBe(1);
  });

  it('shares one load among everyone waiting for the first copy', async () => {
    const { cache, loads, settle, ok } = setup();
    const answers = Promise.all([cache.get(), cache.get(), cache.get()]);
    await settle(ok('v1'));
    expect(await answers).toEqual([{ ok: true, value: 'v1' }, { ok: true, value: 'v1' }, { ok: true, value: 'v1' }]);
    expect(loads()).toBe(1);
  });

  it('after the TTL, serves the stale copy at once and refreshes once in the background', async () => {
    const { cache, clock, loads, waiting, settle, ok } = setup();
    const first = cache.get();
    await settle(ok('v1'));
    await first;
    clock.now += TTL_MS;
    expect(await cache.get()).toEqual({ ok: true, value: 'v1' });
    expect(await cache.get()).toEqual({ ok: true, value: 'v1' });
    expect(loads()).toBe(2);
    expect(waiting()).toBe(1);
    await settle(ok('v2'));
    expect(await cache.get()).toEqual({ ok: true, value: 'v2' });
    expect(loads()).toBe(2);
  });

  it('keeps serving the last good copy while Socialboards is down, and logs a warning', async () => {
    const { cache, clock, logs, loads, settle, ok } = setup({ retryMs: 10_000 });
    const first = cache.get();
    await settle(ok('v1'));
    await first;
    clock.now += TTL_MS;
    expect(await cache.get()).toEqual({ ok: true, value: 'v1' });
    await settle(failure('upstream_unavailable'));
    expect(await cache.get()).toEqual({ ok: true, value: 'v1' });
    expect(loads()).toBe(2);
    expect(logs.records()).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'form definitions could not be refreshed; serving the last good copy', code: 'upstream_unavailable' }),
    );

    clock.now += 10_000;
    expect(await cache.get()).toEqual({ ok: true, value: 'v1' });
    expect(loads()).toBe(3);
    await settle(ok('v2'));
    expect(await cache.get()).toEqual({ ok: true, value: 'v2' });
  });

  it('answers the failure when there is no copy yet, then waits before asking again', async () => {
    const { cache, clock, loads, settle, ok } = setup({ retryMs: 10_000 });
    const first = cache.get();
    await settle(failure('upstream_timeout'));
    expect(await first).toEqual({ ok: false, error: { code: 'upstream_timeout' } });
    expect(await cache.get()).toEqual({ ok: false, error: { code: 'upstream_timeout' } });
    expect(loads()).toBe(1);

    clock.now += 10_000;
    const retry = cache.get();
    await settle(ok('v1'));
    expect(await retry).toEqual({ ok: true, value: 'v1' });
    expect(loads()).toBe(2);
  });

  it('turns a load that throws into upstream_unavailable and logs its stack', async () => {
    const logs = captureLogs();
    const cache = createDefinitionCache<string>({
      load: () => Promise.reject(new Error('boom')),
      ttlMs: TTL_MS,
      now: () => 0,
      log: logs.log,
    });
    expect(await cache.get()).toEqual({ ok: false, error: { code: 'upstream_unavailable' } });
    expect(logs.records()).toContainEqual(expect.objectContaining({ level: 'error', stack: expect.stringContaining('boom') }));
  });
});
