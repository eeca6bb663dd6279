import { describe, expect, it } from 'vitest';
import { createRelayApp } from '../../src/relay/app';
import { UpstreamShed, guardUpstream } from '../../src/relay/upstream/upstream-guard';
import { ORIGIN, captureLogs, envelope, gate, hang, json, memoryStore, scriptedSocialboards, testConfig } from './helpers';

const guardOptions = { concurrency: 2, queueMs: 100, breakerFailures: 3, breakerOpenSeconds: 1, now: Date.now };

/** A fetch that counts its calls and answers each with what `answer` gives. */
function countingFetch(answer: () => Promise<Response>) {
  const calls = { started: 0, inFlight: 0, peak: 0 };
  const fetch: typeof globalThis.fetch = async () => {
    calls.started += 1;
    calls.inFlight += 1;
    calls.peak = Math.max(calls.peak, calls.inFlight);
    try {
      return await answer();
    } finally {
      calls.inFlight -= 1;
    }
  };
  return { fetch, calls };
}

/** A call as the Socialboards client makes one. */
const call = () => ({ method: 'POST', headers: {}, redirect: 'manual', signal: AbortSignal.timeout(10_000) }) as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('guardUpstream: concurrency', () => {
  it('never runs more than the bound at once; a call past it waits briefly, then is shed as busy without being sent', async () => {
    const slow = countingFetch(() => sleep(300).then(() => new Response('ok')));
    const guarded = guardUpstream(slow.fetch, { ...guardOptions, log: captureLogs().log });
    const results = await Promise.allSettled([1, 2, 3].map(() => guarded('https://sb.test/tickets', call())));
    expect(slow.calls.peak).toBe(2);
    expect(slow.calls.started).toBe(2);
    const shed = results.find((result) => result.status === 'rejected');
    expect(shed?.status === 'rejected' && shed.reason).toBeInstanceOf(UpstreamShed);
    expect(shed?.status === 'rejected' && (shed.reason as UpstreamShed).reason).toBe('busy');
  });

  it('lets a waiting call through when a slot frees within the wait', async () => {
    const quick = countingFetch(() => sleep(30).then(() => new Response('ok')));
    const guarded = guardUpstream(quick.fetch, { ...guardOptions, log: captureLogs().log });
    const results = await Promise.all([1, 2, 3, 4].map(() => guarded('https://sb.test/tickets', call())));
    expect(results.map((response) => response.status)).toEqual([200, 200, 200, 200]);
    expect(quick.calls.peak).toBe(2);
  });
});

describe('guardUpstream: circuit breaker', () => {
  it('stops calling after consecutive failures, answers at once while open, probes once after the pause, and closes on success', async () => {
    let failing = true;
    const upstream = countingFetch(async () => (failing ? new Response('down', { status: 503 }) : new Response('up')));
    const logs = captureLogs();
    const guarded = guardUpstream(upstream.fetch, { ...guardOptions, log: logs.log });
    for (let i = 0; i < 3; i += 1) expect((await guarded('https://sb.test/tickets', call())).status).toBe(503);
    const started = Date.now();
    await expect(guarded('https://sb.test/tickets', call())).rejects.toMatchObject({ reason: 'open', retryAfterSeconds: 1 });
    expect(Date.now() - started).toBeLessThan(50);
    expect(upstream.calls.started).toBe(3);
    expect(logs.lines.join('\n')).toContain('circuit open');

    await sleep(1050);
    failing = false;
    expect((await guarded('https://sb.test/tickets', call())).status).toBe(200);
    expect((await guarded('https://sb.test/tickets', call())).status).toBe(200);
    expect(upstream.calls.started).toBe(5);
  });

  it('counts thrown errors (no answer, timeouts) as failures, but not 4xx answers', async () => {
    const refusing = countingFetch(async () => new Response('no', { status: 400 }));
    const guarded = guardUpstream(refusing.fetch, { ...guardOptions, log: captureLogs().log });
    for (let i = 0; i < 5; i += 1) expect((await guarded('https://sb.test/tickets', call())).status).toBe(400);

    const broken = guardUpstream(() => Promise.reject(new TypeError('fetch failed')), { ...guardOptions, log: captureLogs().log });
    for (let i = 0; i < 3; i += 1) await expect(broken('https://sb.test/tickets', call())).rejects.toBeInstanceOf(TypeError);
    await expect(broken('https://sb.test/tickets', call())).rejects.toBeInstanceOf(UpstreamShed);
  });

  it('answers others at once while one probe tests a half-open circuit', async () => {
    let answer: () => Promise<Response> = async () => new Response('down', { status: 500 });
    const upstream = countingFetch(() => answer());
    const guarded = guardUpstream(upstream.fetch, { ...guardOptions, log: captureLogs().log });
    for (let i = 0; i < 3; i += 1) await guarded('https://sb.test/tickets', call());
    await sleep(1050);
    const probeGate = gate();
    answer = async () => (await probeGate.responder({ url: '', method: 'POST', headers: new Headers(), body: '' }, undefined)) as Response;
    const probe = guarded('https://sb.test/tickets', call());
    await probeGate.reached;
    const started = Date.now();
    await expect(guarded('https://sb.test/tickets', call())).rejects.toMatchObject({ reason: 'open' });
    expect(Date.now() - started).toBeLessThan(50);
    probeGate.open(new Response('up'));
    expect((await probe).status).toBe(200);
  });
});

describe('the relay under upstream trouble', () => {
  const TICKET = { title: 'Hi', message: 'Hello', creator: { email: 'ann@example.com' } };
  let n = 0;
  const post = (app: ReturnType<typeof createRelayApp>) =>
    app.request('/tickets', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: ORIGIN, 'Idempotency-Key': `guard-key-${String((n += 1)).padStart(8, '0')}` },
      body: JSON.stringify(TICKET),
    });

  it('answers 503 upstream_busy with Retry-After when every upstream slot stays taken', async () => {
    const upstream = scriptedSocialboards({ tickets: [hang] });
    const app = createRelayApp(testConfig({ RELAY_UPSTREAM_CONCURRENCY: '1', RELAY_UPSTREAM_QUEUE_MS: '100', RELAY_UPSTREAM_TIMEOUT_MS: '2000' }), {
      fetch: upstream.fetch,
      log: captureLogs().log,
      idempotencyStore: memoryStore(),
    });
    // A token first, so the one slot is then held by the hanging ticket call.
    const first = post(app);
    await sleep(50);
    const busy = await post(app);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('Retry-After')).toBe('1');
    expect(((await busy.json()) as { error: { code: string } }).error.code).toBe('upstream_busy');
    expect((await first).status).toBe(504);
  });

  it('while Socialboards hangs, answers within a fraction of a second once the circuit opens, and not one more call goes out', async () => {
    const upstream = scriptedSocialboards({ tickets: [hang, hang] });
    const app = createRelayApp(testConfig({ RELAY_UPSTREAM_TIMEOUT_MS: '200', RELAY_BREAKER_FAILURES: '2', RELAY_BREAKER_OPEN_SECONDS: '30' }), {
      fetch: upstream.fetch,
      log: captureLogs().log,
      idempotencyStore: memoryStore(),
    });
    expect((await post(app)).status).toBe(504);
    expect((await post(app)).status).toBe(504);
    const started = Date.now();
    const answer = await post(app);
    expect(Date.now() - started).toBeLessThan(100);
    expect(answer.status).toBe(502);
    expect(Number(answer.headers.get('Retry-After'))).toBeGreaterThan(25);
    expect(upstream.ticketCalls()).toHaveLength(2);
  });

  it('a 4xx refusal from Socialboards never opens the circuit', async () => {
    const refusal = () => json({ data: null, errorCode: 3, errorText: 'Bad' }, 400);
    const upstream = scriptedSocialboards({ tickets: [refusal, refusal, refusal, () => envelope(9)] });
    const app = createRelayApp(testConfig({ RELAY_BREAKER_FAILURES: '2' }), { fetch: upstream.fetch, log: captureLogs().log, idempotencyStore: memoryStore() });
    for (let i = 0; i < 3; i += 1) expect((await post(app)).status).toBe(502);
    expect((await post(app)).status).toBe(201);
  });
});
