/** The siteverify call's own failure paths, without a provider: a provider that never answers. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createReplayStore } from '../../../src/relay/spam/replay-store';
import { createSiteverify } from '../../../src/relay/spam/siteverify';

describe('siteverify', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives up on a provider that never answers after 5 s, as unavailable, and leaves no timer behind', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const hung: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const verify = createSiteverify({
      config: { provider: 'turnstile', siteKey: 'site-key', secret: 'secret', verifyUrl: 'https://verify.test/siteverify', hostnames: null, action: 'ticket' },
      hostnames: ['shop.example'],
      replays: createReplayStore(),
      fetch: hung,
    });
    const verdict = verify('token', 'owner');
    await vi.advanceTimersByTimeAsync(4_999);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await verdict).toEqual({ ok: false, error: { reason: 'provider_unavailable', detail: 'TimeoutError' } });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clears its time limit once the provider answers', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const answering: typeof fetch = async () => new Response(JSON.stringify({ success: false, 'error-codes': ['invalid-input-response'] }));
    const verify = createSiteverify({
      config: { provider: 'turnstile', siteKey: 'site-key', secret: 'secret', verifyUrl: 'https://verify.test/siteverify', hostnames: null, action: 'ticket' },
      hostnames: ['shop.example'],
      replays: createReplayStore(),
      fetch: answering,
    });
    expect(await verify('token', 'owner')).toEqual({ ok: false, error: { reason: 'not_solved', detail: 'invalid-input-response' } });
    expect(vi.getTimerCount()).toBe(0);
  });
});
