/**
 * The relay benchmark in its smallest form, so its counting cannot rot unnoticed: a fixed number of
 * tickets through the passthrough, the floor and each relay, then the fake's own log must account for every
 * answer. Its figures come from `npm run bench:relay`; here only the bookkeeping is checked.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll } from '../faults/processes';
import { runRelayBench, slopePerMinute, stopAndSettle, UPSTREAM_LATENCY_MS } from './harness';
import type { CaseResult, Subject } from './harness';
import { goals, rssDrift, table } from './report';

const TICKETS = 30;
const subjects: Subject[] = ['passthrough', 'floor', 'sqlite', ...(existsSync('/usr/bin/redis-server') ? (['redis'] as const) : [])];

// Whatever a failed assertion left behind.
afterAll(killAll);

describe('the relay benchmark, in small', () => {
  it('counts one Create Ticket per ticket, a ticket per 2xx answer, and one token and definitions fetch per relay', { timeout: 60_000 }, async () => {
    const results = await runRelayBench({ connections: [8], subjects, amount: TICKETS, warmupS: 0, say: () => {} });
    expect(results.map((result) => result.subject)).toEqual(subjects);
    for (const result of results) {
      expect(result.answered2xx, result.subject).toBe(TICKETS);
      expect(result.non2xx + result.errors, result.subject).toBe(0);
      expect(result.upstream.ticketsCreated, result.subject).toBe(result.answered2xx);
      expect(result.upstream.createTicket, result.subject).toBe(result.upstream.ticketsCreated);
      expect(result.upstream, result.subject).toMatchObject({ duplicates: 0, abandoned: 0 });
      expect(result.p99Ms, result.subject).toBeGreaterThanOrEqual(result.p50Ms);
    }
    // The floor was given its token, like the passthrough, and checks no form definitions.
    expect(results.find((result) => result.subject === 'floor')?.upstream).toMatchObject({ token: 0, customFields: 0, categories: 0 });
    for (const relay of results.filter((result) => result.subject === 'sqlite' || result.subject === 'redis')) {
      // The relay fetched its access token and the form's definitions once, and reused them for every ticket.
      expect(relay.upstream, relay.subject).toMatchObject({ token: 1, customFields: 1, categories: 1 });
      // A Node process with the relay loaded holds tens of MB: a reading of 0 or of the wrong process would show.
      expect(relay.rss?.peakMb, relay.subject).toBeGreaterThan(20);
    }
  });
});

describe('the relay benchmark, paced', () => {
  it('sends every request at its time, counts each answer once, and measures from the due time', { timeout: 60_000 }, async () => {
    const results = await runRelayBench({ connections: [100], subjects: ['passthrough', 'sqlite'], amount: TICKETS, rate: 60, warmupS: 0, say: () => {} });
    for (const result of results) {
      expect(result.rate, result.subject).toBe(60);
      expect(result.answered2xx, result.subject).toBe(TICKETS);
      expect(result.non2xx + result.errors, result.subject).toBe(0);
      expect(result.upstream.createTicket, result.subject).toBe(TICKETS);
      // Every Create Ticket takes the fake's fixed latency: no latency can come out below it.
      expect(result.p50Ms, result.subject).toBeGreaterThanOrEqual(UPSTREAM_LATENCY_MS);
      // Sent over half a second (29 intervals of 1/60 s), answered 50 ms after the last was due at
      // the earliest: at most 60 a second, and far fewer than if all had gone out at once.
      expect(result.requestsPerS, result.subject).toBeLessThanOrEqual(60);
      expect(result.requestsPerS, result.subject).toBeGreaterThan(30);
    }
    const lines = goals(results);
    expect(lines.some((line) => line.includes('throughput') && line.startsWith('GOAL'))).toBe(false);
    expect(lines.some((line) => line.includes('paced at 60/s, throughput not compared'))).toBe(true);
  });
});

describe('ending a case', () => {
  /** A stand-in for the fake's stats: `inFlight` calls until `settlesAfter` reads, then none. */
  async function statsServer(settlesAfter: number): Promise<{ url: string; reads: () => number; close: () => void }> {
    let reads = 0;
    const server = createServer((_request, response) => {
      reads += 1;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ inFlight: reads > settlesAfter ? 0 : 3 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, reads: () => reads, close: () => server.close() };
  }

  it('stops the subject first, then waits until the fake holds no call', async () => {
    const fake = await statsServer(2);
    const order: string[] = [];
    try {
      await stopAndSettle(async () => void order.push('stopped'), fake.url, 5_000);
      order.push('settled');
      expect(order).toEqual(['stopped', 'settled']);
      // Two reads found calls in flight; the third found none.
      expect(fake.reads()).toBe(3);
    } finally {
      fake.close();
    }
  });

  it('throws rather than count while the fake still answers calls', async () => {
    const fake = await statsServer(Number.POSITIVE_INFINITY);
    try {
      await expect(stopAndSettle(async () => undefined, fake.url, 600)).rejects.toThrow(/still answering calls 0.6 s after the subject stopped/);
    } finally {
      fake.close();
    }
  });
});

describe('the benchmark report', () => {
  it('finds the trend of memory samples, in MB per minute', () => {
    expect(slopePerMinute([100, 100, 100, 100])).toBe(0);
    expect(slopePerMinute([100, 101, 102, 103])).toBeCloseTo(60);
    expect(slopePerMinute([100])).toBe(0);
  });

  const sample = (subject: Subject, requestsPerS: number, p99Ms: number, samples: number[] = []): CaseResult => ({
    subject,
    connections: 100,
    requestsPerS,
    p50Ms: p99Ms / 2,
    p99Ms,
    answered2xx: 10,
    non2xx: 0,
    errors: 0,
    upstream: { token: subject === 'passthrough' ? 0 : 1, customFields: 0, categories: 0, createTicket: 10, ticketsCreated: 10, duplicates: 0, abandoned: 0 },
    ...(subject === 'passthrough' ? {} : { rss: { startMb: samples[0] ?? 0, samples, firstMb: samples[0] ?? 0, lastMb: samples.at(-1) ?? 0, maxMb: Math.max(...samples), slopeMbPerMin: slopePerMinute(samples), peakMb: Math.max(...samples) } }),
  });

  it('says GOAL MISSED for a relay slower than 0.8x the passthrough, growing memory, or a p99 more than 2 ms longer', () => {
    const growing = Array.from({ length: 61 }, (_, second) => 100 + second);
    const lines = goals([sample('passthrough', 1000, 60), sample('sqlite', 700, 63, growing)]);
    expect(lines.filter((line) => line.startsWith('GOAL MISSED'))).toHaveLength(3);
    expect(rssDrift(sample('sqlite', 700, 63, growing))).toBeCloseTo(60 / 160);
  });

  it('says GOAL MET for a relay within every goal', () => {
    const flat = Array.from({ length: 61 }, (_, second) => 100 + (second % 2));
    const lines = goals([sample('passthrough', 1000, 60), sample('redis', 900, 61.5, flat)]);
    expect(lines).toHaveLength(4);
    expect(lines.every((line) => line.startsWith('GOAL MET'))).toBe(true);
  });

  it('judges no goal on the floor, and says what it adds over the passthrough', () => {
    const floor: CaseResult = { ...sample('passthrough', 900, 75), subject: 'floor', floor: { store: 'thread', checkpoints: 'off' } };
    const lines = goals([sample('passthrough', 1000, 60), floor]);
    expect(lines.some((line) => line.includes('GOAL'))).toBe(false);
    expect(lines[0]).toBe("  floor at 100, keys written on a thread, checkpoints off: 0.90x the passthrough's throughput, p99 added 15.0 ms (a reference, not judged)");
    expect(lines[1]).toBe('  floor at 100: 10 Create Ticket calls for 10 tickets, 0 created twice, 10 answered 2xx, 0 non-2xx, 0 connection errors');
    const failed = goals([sample('passthrough', 1000, 60), { ...floor, upstream: { ...floor.upstream, createTicket: 11 } }]);
    expect(failed[1]).toMatch(/^ {2}NOT ONE TICKET PER CALL: floor at 100: 11 Create Ticket calls for 10 tickets/);
    const twice = goals([sample('passthrough', 1000, 60), { ...floor, upstream: { ...floor.upstream, duplicates: 1 } }]);
    expect(twice[1]).toMatch(/^ {2}NOT ONE TICKET PER CALL: floor at 100: 10 Create Ticket calls for 10 tickets, 1 created twice/);
  });

  it('puts each figure under its heading, tickets created twice among them', () => {
    const relay = sample('sqlite', 900, 61, [100, 101]);
    const [header, , row] = table([sample('passthrough', 1000, 60), { ...relay, upstream: { ...relay.upstream, duplicates: 3 } }])
      .split('\n')
      .map((line) => line.trim().split(/ {2,}/));
    const cell = (heading: string) => row?.[header?.indexOf(heading) ?? -1];
    expect([cell('case'), cell('created'), cell('twice'), cell('token'), cell('x pass'), cell('+p99')]).toEqual(['sqlite', '10', '3', '1', '0.90', '+1.0']);
  });

  it('says GOAL MISSED for a ticket created twice, and names calls logged with no answer sent', () => {
    const relay = sample('sqlite', 900, 61, Array.from({ length: 61 }, () => 100));
    const twice = goals([sample('passthrough', 1000, 60), { ...relay, upstream: { ...relay.upstream, ticketsCreated: 10, createTicket: 10, duplicates: 1, abandoned: 2 } }]);
    expect(twice.find((line) => line.includes('Create Ticket'))).toBe(
      "GOAL MISSED sqlite at 100: 10 Create Ticket calls for 10 tickets, 1 created twice, 1 token call(s), 0 custom field and 0 category list call(s); 2 call(s) logged with no answer sent (the caller's connection closed first; their tickets are counted)",
    );
  });
});
