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

/** A call's answer held by `held`: whatever the test opens it with. */
const through = async (held: ReturnType<typeof gate>) => (await held.responder({ url: '', method: 'POST', headers: new Headers(), body: '' }, undefined)) as Response;

/**
 * A guard (breaker at 3 failures, 1 s pause) whose circuit three 5xx answers opened, the pause over:
 * its next call is the probe, answered by what `answerWith` set last.
 */
async function pastOpenCircuit(log = captureLogs().log) {
  let answer: () => Promise<Response> = async () => new Response('down', { status: 503 });
  const upstream = countingFetch(() => answer());
  const guarded = guardUpstream(upstream.fetch, { ...guardOptions, log });
  for (let i = 0; i < 3; i += 1) await guarded('https://sb.test/tickets', call());
  await sleep(1050);
  return {
    guarded,
    upstream,
    answerWith: (next: () => Promise<Response>) => {
      answer = next;
    },
  };
}

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

describe('guardUpstream: the wait for a slot', () => {
  it('never sends a call whose wait ran out, even once a slot frees', async () => {
    const slow = countingFetch(() => sleep(150).then(() => new Response('ok')));
    const guarded = guardUpstream(slow.fetch, { ...guardOptions, concurrency: 1, queueMs: 50, log: captureLogs().log });
    const first = guarded('https://sb.test/tickets', call());
    const started = Date.now();
    await expect(guarded('https://sb.test/tickets', call())).rejects.toMatchObject({ reason: 'busy', retryAfterSeconds: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect((await first).status).toBe(200);
    await sleep(20);
    expect(slow.calls.started).toBe(1);
    // The freed slot is free again: nothing was left holding it.
    expect((await guarded('https://sb.test/tickets', call())).status).toBe(200);
  });

  it('sheds at once, without waiting, a call past the 1000 already waiting', async () => {
    const held = gate();
    const next = gate();
    let calls = 0;
    const upstream = countingFetch(
      () => through((calls += 1) === 1 ? held : next),
    );
    const guarded = guardUpstream(upstream.fetch, { ...guardOptions, concurrency: 1, queueMs: 2000, log: captureLogs().log });
    const first = guarded('https://sb.test/tickets', call());
    const queued = Array.from({ length: 1000 }, () => guarded('https://sb.test/tickets', call()).then(() => 'sent', (error: UpstreamShed) => error.reason));
    const started = Date.now();
    await expect(guarded('https://sb.test/tickets', call())).rejects.toMatchObject({ reason: 'busy' });
    expect(Date.now() - started).toBeLessThan(250);
    held.open(new Response('ok'));
    expect((await first).status).toBe(200);
    // The slot went to the oldest waiting call, which holds it; the rest wait out their 2 s.
    await next.reached;
    const rest = Promise.all(queued);
    await sleep(2100);
    next.open(new Response('ok'));
    const outcomes = await rest;
    expect(outcomes[0]).toBe('sent');
    expect(new Set(outcomes.slice(1))).toEqual(new Set(['busy']));
    expect(upstream.calls.started).toBe(2);
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
    expect(Date.now() - started).toBeLessThan(250);
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
    const { guarded, answerWith } = await pastOpenCircuit();
    const probeGate = gate();
    answerWith(() => through(probeGate));
    const probe = guarded('https://sb.test/tickets', call());
    await probeGate.reached;
    const started = Date.now();
    await expect(guarded('https://sb.test/tickets', call())).rejects.toMatchObject({ reason: 'open' });
    expect(Date.now() - started).toBeLessThan(250);
    probeGate.open(new Response('up'));
    expect((await probe).status).toBe(200);
  });
});

describe('guardUpstream: circuit breaker, its edges', () => {
  it('opens again when the probe fails, for another whole pause, and says so each time', async () => {
    const logs = captureLogs();
    const { guarded, upstream } = await pastOpenCircuit(logs.log);
    expect((await guarded('https://sb.test/tickets', call())).status).toBe(503);
    await expect(guarded('https://sb.test/tickets', call())).rejects.toMatchObject({ reason: 'open', retryAfterSeconds: 1 });
    expect(upstream.calls.started).toBe(4);
    expect(logs.lines.filter((line) => line.includes('circuit open'))).toHaveLength(2);
    expect(logs.lines.join('\n')).not.toContain('circuit closed');
  });

  it('sheds at once while open: a new call, and a waiting one when its turn comes', async () => {
    const gates = [gate(), gate()];
    let calls = 0;
    const upstream = countingFetch(async () => {
      const held = gates[calls++];
      return held === undefined ? new Response('up') : through(held);
    });
    const guarded = guardUpstream(upstream.fetch, { ...guardOptions, concurrency: 2, queueMs: 5000, breakerFailures: 1, breakerOpenSeconds: 30, log: captureLogs().log });
    const failing = guarded('https://sb.test/tickets', call());
    const holding = guarded('https://sb.test/tickets', call());
    const waiting = guarded('https://sb.test/tickets', call());
    await Promise.all(gates.map((held) => held.reached));
    const started = Date.now();
    gates[0]!.open(new Response('down', { status: 500 }));
    expect((await failing).status).toBe(500);
    // Its slot freed, the waiting call's turn came with the circuit open: shed, never sent.
    await expect(waiting).rejects.toMatchObject({ reason: 'open' });
    const retryAfter = await guarded('https://sb.test/tickets', call()).catch((error: UpstreamShed) => error.retryAfterSeconds);
    expect(retryAfter).toBeGreaterThan(28);
    expect(Date.now() - started).toBeLessThan(250);
    expect(upstream.calls.started).toBe(2);
    gates[1]!.open(new Response('up'));
    expect((await holding).status).toBe(200);
  });

  it('sheds a thousand waiting calls together when the circuit opens, and leaves every slot free after', async () => {
    const held = gate();
    let calls = 0;
    const upstream = countingFetch(async () =>
      (calls += 1) === 1 ? through(held) : new Response('up'),
    );
    const guarded = guardUpstream(upstream.fetch, { ...guardOptions, concurrency: 1, queueMs: 5000, breakerFailures: 1, log: captureLogs().log });
    const failing = guarded('https://sb.test/tickets', call());
    const queued = Array.from({ length: 1000 }, () => guarded('https://sb.test/tickets', call()).then(() => 'sent', (error: unknown) => (error instanceof UpstreamShed ? error.reason : String(error))));
    await held.reached;
    held.open(new Response('down', { status: 500 }));
    expect((await failing).status).toBe(500);
    // Each had its turn with the circuit open: shed, none sent, none failing otherwise (a stack overflow).
    expect(new Set(await Promise.all(queued))).toEqual(new Set(['open']));
    expect(upstream.calls.started).toBe(1);
    await sleep(1050);
    // The one slot is free: the probe goes out at once rather than waiting for a slot that leaked.
    const started = Date.now();
    expect((await guarded('https://sb.test/tickets', call())).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(250);
  });

  it('opens the circuit again after a probe whose answer cannot be read, rather than probing for good', async () => {
    const { guarded, answerWith } = await pastOpenCircuit();
    // Not an answer at all: reading its status throws.
    answerWith(async () => undefined as unknown as Response);
    await expect(guarded('https://sb.test/tickets', call())).rejects.toBeInstanceOf(TypeError);
    await sleep(1050);
    answerWith(async () => new Response('up'));
    expect((await guarded('https://sb.test/tickets', call())).status).toBe(200);
  });

  it('lets a failure of a call that began before the circuit opened neither open it again nor spoil the probe', async () => {
    let answer: () => Promise<Response> = async () => new Response('down', { status: 500 });
    const upstream = countingFetch(() => answer());
    const logs = captureLogs();
    const guarded = guardUpstream(upstream.fetch, { ...guardOptions, concurrency: 5, log: logs.log });
    // A slow call that will fail after the probe began.
    const late = gate();
    answer = () => through(late);
    const straggler = guarded('https://sb.test/tickets', call());
    await late.reached;
    answer = async () => new Response('down', { status: 500 });
    for (let i = 0; i < 3; i += 1) await guarded('https://sb.test/tickets', call());
    await sleep(1050);
    const probeGate = gate();
    answer = () => through(probeGate);
    const probe = guarded('https://sb.test/tickets', call());
    await probeGate.reached;
    late.open(new Response('down', { status: 503 }));
    expect((await straggler).status).toBe(503);
    probeGate.open(new Response('up'));
    expect((await probe).status).toBe(200);
    answer = async () => new Response('up');
    expect((await guarded('https://sb.test/tickets', call())).status).toBe(200);
    expect(logs.lines.filter((line) => line.includes('circuit open'))).toHaveLength(1);
    expect(logs.lines.join('\n')).toContain('circuit closed');
  });
});

describe('guardUpstream: calls that never end (a request cancelled by its runtime)', () => {
  /** A fetch whose first `lost` calls never settle, as a call whose code Workers cancelled; the rest answer `status`. */
  function neverEnding(lost: number, status = 200) {
    let calls = 0;
    const fetch: typeof globalThis.fetch = () => {
      calls += 1;
      return calls <= lost ? new Promise<Response>(() => {}) : Promise.resolve(new Response('ok', { status }));
    };
    return { fetch, calls: () => calls };
  }

  it('takes the slot of a call older than lostAfterMs back, and says so', async () => {
    const clock = { now: 1_000_000 };
    const logs = captureLogs();
    const upstream = neverEnding(1);
    const guarded = guardUpstream(upstream.fetch, { ...guardOptions, concurrency: 1, queueMs: 0, lostAfterMs: 30_000, now: () => clock.now, log: logs.log });
    void guarded('https://sb.test/tickets', call());
    clock.now += 29_999;
    await expect(guarded('https://sb.test/tickets', call())).rejects.toBeInstanceOf(UpstreamShed);
    clock.now += 1;
    expect((await guarded('https://sb.test/tickets', call())).status).toBe(200);
    expect(upstream.calls()).toBe(2);
    expect(logs.records().filter((record) => record.level === 'warn' && String(record.msg).includes('never ended'))).toHaveLength(1);
    // The slot is free after: the next call goes at once.
    expect((await guarded('https://sb.test/tickets', call())).status).toBe(200);
  });

  it('lets the next call probe again when the probe never ends, rather than shedding every call for good', async () => {
    const clock = { now: 1_000_000 };
    const logs = captureLogs();
    let answer: () => Promise<Response> = async () => new Response('down', { status: 503 });
    const guarded = guardUpstream(() => answer(), { ...guardOptions, lostAfterMs: 30_000, now: () => clock.now, log: logs.log });
    for (let i = 0; i < 3; i += 1) await guarded('https://sb.test/tickets', call());
    clock.now += 1000;
    // The probe goes out and is never heard of again.
    answer = () => new Promise<Response>(() => {});
    void guarded('https://sb.test/tickets', call());
    answer = async () => new Response('ok');
    clock.now += 29_999;
    await expect(guarded('https://sb.test/tickets', call())).rejects.toMatchObject({ reason: 'open' });
    clock.now += 1;
    expect((await guarded('https://sb.test/tickets', call())).status).toBe(200);
    // That call was the new probe: its success closed the circuit.
    expect(logs.records().some((record) => record.msg === 'socialboards answers again (circuit closed)')).toBe(true);
    expect((await guarded('https://sb.test/tickets', call())).status).toBe(200);
  });

  it('hands a slot taken back to the oldest waiting call, not to the one that found it', async () => {
    const clock = { now: 1_000_000 };
    const order: string[] = [];
    let calls = 0;
    const fetch: typeof globalThis.fetch = (input) => {
      calls += 1;
      if (calls === 1) return new Promise<Response>(() => {});
      order.push(String(input));
      return Promise.resolve(new Response('ok'));
    };
    const guarded = guardUpstream(fetch, { ...guardOptions, concurrency: 1, queueMs: 5000, lostAfterMs: 30_000, now: () => clock.now, log: captureLogs().log });
    void guarded('https://sb.test/lost', call());
    clock.now += 29_999;
    const waiting = guarded('https://sb.test/waiting', call());
    clock.now += 1;
    const newcomer = guarded('https://sb.test/newcomer', call());
    expect((await waiting).status).toBe(200);
    expect((await newcomer).status).toBe(200);
    expect(order).toEqual(['https://sb.test/waiting', 'https://sb.test/newcomer']);
  });

  it('never sends a waiting call whose wait is over when its turn comes, even if its timer never fired', async () => {
    const clock = { now: 1_000_000 };
    const slow = gate();
    let sent = 0;
    const fetch: typeof globalThis.fetch = () => {
      sent += 1;
      return sent === 1 ? through(slow) : Promise.resolve(new Response('ok'));
    };
    // The wait's own timer is real and long; the clock says the wait is over.
    const guarded = guardUpstream(fetch, { ...guardOptions, concurrency: 1, queueMs: 60_000, now: () => clock.now, log: captureLogs().log });
    const first = guarded('https://sb.test/tickets', call());
    const waiting = guarded('https://sb.test/tickets', call());
    clock.now += 60_000;
    slow.open(new Response('first'));
    expect((await first).status).toBe(200);
    await expect(waiting).rejects.toMatchObject({ reason: 'busy' });
    expect(sent).toBe(1);
  });

  it('never gives a slot back twice when a call counted lost ends after all', async () => {
    const clock = { now: 1_000_000 };
    const slow = gate();
    const held = gate();
    const answers = [() => through(slow), () => through(held)];
    const fetch: typeof globalThis.fetch = () => (answers.shift() ?? (() => Promise.resolve(new Response('ok'))))();
    const guarded = guardUpstream(fetch, { ...guardOptions, concurrency: 1, queueMs: 0, lostAfterMs: 30_000, now: () => clock.now, log: captureLogs().log });
    const late = guarded('https://sb.test/tickets', call());
    clock.now += 30_000;
    // Takes the lost call's slot back, and holds it.
    const holding = guarded('https://sb.test/tickets', call());
    slow.open(new Response('late'));
    expect((await late).status).toBe(200);
    // The late end gave nothing back: the one slot is still the second call's.
    await expect(guarded('https://sb.test/tickets', call())).rejects.toMatchObject({ reason: 'busy' });
    held.open(new Response('held'));
    expect((await holding).status).toBe(200);
    expect((await guarded('https://sb.test/tickets', call())).status).toBe(200);
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
