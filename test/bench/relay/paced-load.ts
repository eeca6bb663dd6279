/**
 * Open-loop load for `npm run bench:relay -- --rate N`: requests sent at fixed times, N a second,
 * whatever the answers do, over at most `connections` keep-alive sockets; each latency counts from
 * the moment its request was due, so a stall delays every request due during it (no coordinated
 * omission). autocannon's closed loop waits for an answer before the next request, so its p99 grows
 * with any throughput below the baseline's, and its `overallRate` releases each second's requests
 * in bursts (its passthrough's p50 came out below the fake's fixed 50 ms).
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';

/** The figures the harness reads, named as autocannon's result names them. */
export interface LoadResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  '2xx': number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
}

export interface PacedOptions {
  url: string;
  /** Requests a second. */
  rate: number;
  /** Requests in all: rate × the run's seconds, or an exact count; every answer is awaited. */
  total: number;
  /** Sockets at most; a request due while all are busy waits for one (and its wait counts). */
  connections: number;
  headers: Record<string, string>;
  /** The body for a request's Idempotency-Key (each request gets a fresh one). */
  body: (key: string) => string;
}

/** A request still unanswered after this long counts as an error (autocannon's timeout in the harness). */
const TIMEOUT_MS = 30_000;

/** Sends `total` requests at `rate` a second, each with a fresh Idempotency-Key, and resolves once every one is answered. */
export async function pacedLoad({ url, rate, total, connections, headers, body }: PacedOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(url);
  const latencies: number[] = [];
  const counts = { ok: 0, non2xx: 0, errors: 0 };
  const start = performance.now() + 10;
  /** When the last request settled: what was answered, over the time it took, is the throughput. */
  let last = start;
  try {
    await new Promise<void>((resolve) => {
      let sent = 0;
      let answered = 0;
      const done = () => {
        answered += 1;
        if (answered === total) {
          last = performance.now();
          resolve();
        }
      };
      const send = (due: number) => {
        const key = randomUUID();
        const text = body(key);
        // Each request settles once: its answer's end, or the first error (before or during the answer).
        let settled = false;
        const settle = (outcome: 'ok' | 'non2xx' | 'errors') => {
          if (settled) return;
          settled = true;
          if (outcome !== 'errors') latencies.push(performance.now() - due);
          counts[outcome] += 1;
          done();
        };
        const outgoing = request(
          {
            host: target.hostname,
            port: target.port,
            path: target.pathname,
            method: 'POST',
            agent,
            timeout: TIMEOUT_MS,
            headers: { ...headers, 'content-length': Buffer.byteLength(text), 'idempotency-key': key },
          },
          (response) => {
            response.resume();
            const status = response.statusCode ?? 0;
            response.once('end', () => settle(status >= 200 && status < 300 ? 'ok' : 'non2xx'));
            // Cut off during the answer: Node reports it on the answer, not on the request.
            response.on('error', () => settle('errors'));
          },
        );
        outgoing.once('timeout', () => outgoing.destroy(new Error('timeout')));
        outgoing.on('error', () => settle('errors'));
        outgoing.end(text);
      };
      // A timer turn every millisecond sends whatever has come due (timers are not more precise).
      const tick = () => {
        const now = performance.now();
        while (sent < total && start + (sent * 1000) / rate <= now) send(start + (sent++ * 1000) / rate);
        if (sent < total) setTimeout(tick, 1);
      };
      if (total === 0) resolve();
      else setTimeout(tick, 10);
    });
  } finally {
    agent.destroy();
  }
  latencies.sort((a, b) => a - b);
  // The nearest-rank percentile: the smallest latency that at least q of them do not exceed.
  const quantile = (q: number) => (latencies.length === 0 ? 0 : Math.round((latencies[Math.max(0, Math.ceil(q * latencies.length) - 1)] ?? 0) * 10) / 10);
  return {
    // Below the rate when the subject could not keep up (its answers came later and later).
    requests: { average: counts.ok / Math.max(0.001, (last - start) / 1000) },
    latency: { p50: quantile(0.5), p99: quantile(0.99) },
    '2xx': counts.ok,
    non2xx: counts.non2xx,
    errors: counts.errors,
  };
}
