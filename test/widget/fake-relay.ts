/** A relay behind a stubbed `fetch`, for tests that mount the widget: the network lies outside it. */
import { vi } from 'vitest';
import { BUILT_IN_FORM } from './forms';

/** One answer, made fresh per request since a Response body can be read once. */
export type Answer = (init: RequestInit) => Response | Promise<Response>;

export const json =
  (status: number, body: unknown): Answer =>
  () =>
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** Like a relay that never answers: pending until the request's signal aborts, as fetch does. */
export const hang: Answer = (init) =>
  new Promise((_, reject) => {
    const abort = () => reject(new DOMException('The operation was aborted.', 'AbortError'));
    if (init.signal?.aborted) abort();
    init.signal?.addEventListener('abort', abort);
  });

/**
 * Stubs the global `fetch` with a relay that answers by path. `GET /form` serves a form without
 * custom fields unless told otherwise; a path without an answer fails like an unreachable host.
 */
export function stubRelay(answers: Record<string, Answer> = {}) {
  const routes: Record<string, Answer> = { '/form': json(200, BUILT_IN_FORM), ...answers };
  const fetch = vi.fn(async (url: string, init: RequestInit = {}) => {
    const answer = routes[new URL(url).pathname];
    if (!answer) throw new TypeError(`Failed to fetch ${url}`);
    return answer(init);
  });
  vi.stubGlobal('fetch', fetch);
  /** The URLs requested so far, in order. */
  const urls = () => fetch.mock.calls.map(([url]) => url);
  return { fetch, urls };
}
