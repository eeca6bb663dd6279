/**
 * Keeps the last good copy of something loaded from Socialboards (the built form): fresh for a
 * TTL, then served stale while one background load refreshes it, and kept through outages.
 */
import type { Logger } from '../log';
import { failure } from '../upstream/upstream-result';
import type { UpstreamResult } from '../upstream/upstream-result';
import { ok } from '../../shared/result';

export interface DefinitionCacheOptions<T> {
  /** Fetches a new copy; called by one caller at a time. */
  load: () => Promise<UpstreamResult<T>>;
  /** How long a copy is fresh. */
  ttlMs: number;
  /**
   * After a failed load, the next one waits this long (default: a tenth of the TTL, at most
   * 30 s), so an outage is not met with one upstream call per visitor.
   */
  retryMs?: number;
  now: () => number;
  log: Logger;
}

export interface DefinitionCache<T> {
  /**
   * A fresh copy at once; a stale copy at once while a refresh runs in the background; with no
   * copy yet, the result of the load (shared by every caller waiting for it).
   */
  get(): Promise<UpstreamResult<T>>;
}

/** Creates the cache. Nothing is loaded until the first `get`. */
export function createDefinitionCache<T>({ load, ttlMs, retryMs, now, log }: DefinitionCacheOptions<T>): DefinitionCache<T> {
  const pause = retryMs ?? Math.min(ttlMs / 10, 30_000);
  let copy: { value: T; loadedAt: number } | undefined;
  let loading: Promise<UpstreamResult<T>> | undefined;
  let lastFailure: { at: number; result: UpstreamResult<T> } | undefined;

  const refresh = (): Promise<UpstreamResult<T>> => {
    loading ??= (async () => {
      let result: UpstreamResult<T>;
      try {
        result = await load();
      } catch (error) {
        log.error('form definitions could not be loaded', { stack: error instanceof Error ? error.stack : String(error) });
        result = failure('upstream_unavailable');
      }
      if (result.ok) {
        copy = { value: result.value, loadedAt: now() };
        lastFailure = undefined;
      } else {
        lastFailure = { at: now(), result };
        if (copy !== undefined) {
          log.warn('form definitions could not be refreshed; serving the last good copy', {
            code: result.error.code,
            ageSeconds: Math.round((now() - copy.loadedAt) / 1000),
          });
        }
      }
      return result;
    })().finally(() => {
      loading = undefined;
    });
    return loading;
  };

  const resting = () => lastFailure !== undefined && now() - lastFailure.at < pause;

  return {
    async get() {
      if (copy !== undefined) {
        if (now() - copy.loadedAt >= ttlMs && !resting()) void refresh();
        return ok(copy.value);
      }
      if (loading === undefined && resting() && lastFailure !== undefined) return lastFailure.result;
      return refresh();
    },
  };
}
