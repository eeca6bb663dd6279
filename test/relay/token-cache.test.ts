import { describe, expect, it } from 'vitest';
import { createTokenCache } from '../../src/relay/upstream/token-cache';
import { CLIENT_ID, REFRESH_TOKEN, captureLogs, gate, hang, json, scriptedSocialboards } from './helpers';

function setup(options: Parameters<typeof scriptedSocialboards>[0] = {}, timeoutMs = 1000) {
  const upstream = scriptedSocialboards(options);
  const clock = { now: 1_000_000 };
  const logs = captureLogs();
  const tokens = createTokenCache({
    tokenUrl: 'https://sb.test/token',
    clientId: CLIENT_ID,
    refreshToken: REFRESH_TOKEN,
    timeoutMs,
    fetch: upstream.fetch,
    now: () => clock.now,
    log: logs.log,
  });
  return { upstream, clock, tokens, logs };
}

describe('token cache', () => {
  it('gives up on a hung /token after its time limit, and says so in the log', async () => {
    const { tokens, logs } = setup({ tokens: [hang] }, 50);
    const started = Date.now();
    expect(await tokens.get()).toEqual({ ok: false, error: { code: 'upstream_unavailable' } });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(logs.records()).toContainEqual(expect.objectContaining({ msg: 'socialboards token request failed', reason: 'timeout' }));
  });

  it('asks /token with the documented form fields', async () => {
    const { upstream, tokens } = setup();
    expect(await tokens.get()).toEqual({ ok: true, value: 'access-1' });
    const [call] = upstream.tokenCalls();
    expect(call?.method).toBe('POST');
    expect(call?.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(call?.body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: REFRESH_TOKEN,
      client_id: CLIENT_ID,
    });
  });

  it('reuses the token until 60 s before expires_in, then refreshes', async () => {
    const { upstream, clock, tokens } = setup({ expiresIn: 3600 });
    await tokens.get();
    clock.now += (3600 - 60) * 1000 - 1;
    expect(await tokens.get()).toEqual({ ok: true, value: 'access-1' });
    clock.now += 1;
    expect(await tokens.get()).toEqual({ ok: true, value: 'access-2' });
    expect(upstream.tokenCalls()).toHaveLength(2);
  });

  it('keeps half the lifetime of a token shorter than two minutes', async () => {
    const { clock, tokens } = setup({ expiresIn: 10 });
    await tokens.get();
    clock.now += 4_999;
    expect(await tokens.get()).toEqual({ ok: true, value: 'access-1' });
    clock.now += 1;
    expect(await tokens.get()).toEqual({ ok: true, value: 'access-2' });
  });

  it('runs one refresh for many concurrent callers', async () => {
    const slow = gate();
    const { upstream, tokens } = setup({ tokens: [slow.responder] });
    const waiting = Promise.all([tokens.get(), tokens.get(), tokens.get()]);
    await slow.reached;
    slow.open(json({ access_token: 'shared', token_type: 'bearer', expires_in: 3599 }));
    expect(await waiting).toEqual([
      { ok: true, value: 'shared' },
      { ok: true, value: 'shared' },
      { ok: true, value: 'shared' },
    ]);
    expect(upstream.tokenCalls()).toHaveLength(1);
  });

  it('invalidates only the token that was refused', async () => {
    const { upstream, tokens } = setup();
    await tokens.get();
    tokens.invalidate('some-older-token');
    expect(await tokens.get()).toEqual({ ok: true, value: 'access-1' });
    tokens.invalidate('access-1');
    expect(await tokens.get()).toEqual({ ok: true, value: 'access-2' });
    expect(upstream.tokenCalls()).toHaveLength(2);
  });

  it('uses a rotated refresh token from then on, and says so without printing it', async () => {
    const rotated = 'rotated-SECRET-77';
    const { upstream, tokens, logs } = setup({
      tokens: [() => json({ access_token: 'a', token_type: 'bearer', expires_in: 3599, refresh_token: rotated })],
    });
    await tokens.get();
    tokens.invalidate('a');
    await tokens.get();
    const second = new URLSearchParams(upstream.tokenCalls()[1]?.body);
    expect(second.get('refresh_token')).toBe(rotated);
    expect(logs.lines.join('\n')).toMatch(/new refresh token/);
    expect(logs.lines.join('\n')).not.toContain(rotated);
  });

  it.each([
    ['a 400 from /token', () => json({ error: 'invalid_grant' }, 400)],
    ['a 500 from /token', () => json({}, 500)],
    ['an answer without access_token', () => json({ token_type: 'bearer', expires_in: 3599 })],
    ['a body that is not JSON', () => new Response('<html>', { status: 200 })],
    ['a network error', () => Promise.reject(new TypeError('fetch failed'))],
  ])('reports %s as upstream_unavailable and tries again after a backoff of 1 s', async (_name, responder) => {
    const { upstream, tokens, clock } = setup({ tokens: [responder] });
    expect(await tokens.get()).toEqual({ ok: false, error: { code: 'upstream_unavailable' } });
    // Within the backoff: answered at once, without calling /token.
    expect(await tokens.get()).toEqual({ ok: false, error: { code: 'upstream_unavailable', retryAfter: '1' } });
    expect(upstream.tokenCalls()).toHaveLength(1);
    clock.now += 1000;
    expect(await tokens.get()).toEqual({ ok: true, value: 'access-1' });
    expect(upstream.tokenCalls()).toHaveLength(2);
  });

  it('doubles the backoff after each failed refresh, up to a minute, and forgets it after a success', async () => {
    const fail = () => json({}, 500);
    const { upstream, tokens, clock } = setup({ tokens: Array.from({ length: 9 }, () => fail) });
    const waits: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      await tokens.get();
      const refused = await tokens.get();
      const retryAfter = refused.ok ? 0 : Number(refused.error.retryAfter);
      waits.push(retryAfter);
      clock.now += retryAfter * 1000;
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60]);
    expect(upstream.tokenCalls()).toHaveLength(9);
    expect(await tokens.get()).toEqual({ ok: true, value: 'access-1' });
  });

  it('makes one /token call for hundreds of concurrent requests while it fails, and none during the backoff', async () => {
    const slow = gate();
    const { upstream, tokens, clock } = setup({ tokens: [slow.responder] });
    const waiting = Array.from({ length: 300 }, () => tokens.get());
    await slow.reached;
    slow.open(json({}, 503));
    const results = await Promise.all(waiting);
    expect(results.every((result) => !result.ok)).toBe(true);
    clock.now += 500;
    await Promise.all(Array.from({ length: 300 }, () => tokens.get()));
    expect(upstream.tokenCalls()).toHaveLength(1);
  });

  it('never writes a token or the refresh token into a log line', async () => {
    const { tokens, logs, clock } = setup({ tokens: [() => json({ error: 'invalid_grant', refresh_token: REFRESH_TOKEN }, 400)] });
    await tokens.get();
    clock.now += 1000;
    await tokens.get();
    const text = logs.lines.join('\n');
    expect(text.length).toBeGreaterThan(0);
    for (const secret of [REFRESH_TOKEN, 'access-1']) expect(text).not.toContain(secret);
  });
});

