/**
 * The paced load's counting against a local server that misbehaves on purpose: each request is
 * counted once, as a 2xx, another status or an error, and the run ends even when an answer is cut
 * off half-way (which Node reports on the answer, not on the request).
 */
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pacedLoad } from './paced-load';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** Answers the n-th request (from 0) as `answer` says, on 127.0.0.1; resolves with its URL. */
async function serve(answer: (n: number, response: ServerResponse) => void): Promise<string> {
  let n = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => answer(n++, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/tickets`;
}

describe('paced load', () => {
  it('counts 2xx, other statuses and answers cut off half-way, each once, and ends', async () => {
    const url = await serve((n, response) => {
      if (n % 3 === 0) response.writeHead(201).end('{}');
      else if (n % 3 === 1) response.writeHead(500).end('{}');
      else {
        // Headers and part of a body that promises more, then the connection is closed.
        response.writeHead(200, { 'Content-Length': '100' });
        response.write('{"partial":');
        setTimeout(() => response.socket?.destroy(), 20);
      }
    });
    const result = await pacedLoad({ url, rate: 200, total: 12, connections: 4, headers: { 'content-type': 'application/json' }, body: () => '{}' });
    expect({ ok: result['2xx'], non2xx: result.non2xx, errors: result.errors }).toEqual({ ok: 4, non2xx: 4, errors: 4 });
    expect(result.latency.p99).toBeGreaterThanOrEqual(result.latency.p50);
  });

  it('sends at the rate, not at once: 20 requests at 100 a second take about 0.2 s', async () => {
    const arrivals: number[] = [];
    const url = await serve((_, response) => {
      arrivals.push(performance.now());
      response.writeHead(201).end('{}');
    });
    const result = await pacedLoad({ url, rate: 100, total: 20, connections: 20, headers: {}, body: () => '{}' });
    expect(result['2xx']).toBe(20);
    // 19 intervals of 10 ms between the first and the last request's arrival.
    expect((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(170);
  });
});
