/** The relay benchmark's table and goals, as text, from its case results. */
import { describeFloor } from './floor-options';
import type { CaseResult } from './harness';

/** The goals of issue 11, at this connection count. */
export const GOAL_CONNECTIONS = 100;
export const MIN_THROUGHPUT_RATIO = 0.8;
export const MAX_P99_ADDED_MS = 2;
/**
 * Memory counts as flat when its least-squares trend over the measured run, carried over the run's
 * length, stays within this share of the peak: a leak of one ticket's worth per request would grow
 * RSS by hundreds of MB a minute, while the heap's own sawtooth has no trend.
 */
export const MAX_RSS_DRIFT_SHARE = 0.05;

const baselineOf = (results: readonly CaseResult[], result: CaseResult) =>
  results.find((other) => other.subject === 'passthrough' && other.connections === result.connections);

const fixed = (value: number, digits = 1) => value.toFixed(digits);
const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(1)}`;

/** Drift of RSS over the run, as a share of its peak. */
export function rssDrift(result: CaseResult): number | undefined {
  if (result.rss === undefined) return undefined;
  const minutes = (result.rss.samples.length - 1) / 60;
  return Math.abs(result.rss.slopeMbPerMin * minutes) / result.rss.peakMb;
}

/** One row per case. */
export function table(results: readonly CaseResult[]): string {
  const header = ['case', 'conns', 'req/s', 'x pass', 'p50 ms', 'p99 ms', '+p50', '+p99', 'non-2xx', 'errors', '2xx', 'created', 'twice', 'create/ticket', 'token', 'fields', 'categories', 'RSS peak MB', 'RSS start/first/last/max MB', 'slope MB/min', 'CPU ms/ticket'];
  const rows = results.map((result) => {
    const base = baselineOf(results, result);
    const relay = result.subject !== 'passthrough';
    const { upstream, rss } = result;
    return [
      result.subject,
      String(result.connections),
      fixed(result.requestsPerS, 0),
      base && relay ? fixed(result.requestsPerS / base.requestsPerS, 2) : '',
      fixed(result.p50Ms),
      fixed(result.p99Ms),
      base && relay ? signed(result.p50Ms - base.p50Ms) : '',
      base && relay ? signed(result.p99Ms - base.p99Ms) : '',
      String(result.non2xx),
      String(result.errors),
      String(result.answered2xx),
      String(upstream.ticketsCreated),
      String(upstream.duplicates),
      upstream.ticketsCreated === 0 ? '' : fixed(upstream.createTicket / upstream.ticketsCreated, 3),
      String(upstream.token),
      String(upstream.customFields),
      String(upstream.categories),
      rss ? fixed(rss.peakMb) : '',
      rss ? `${fixed(rss.startMb)}/${fixed(rss.firstMb)}/${fixed(rss.lastMb)}/${fixed(rss.maxMb)}` : '',
      rss ? signed(rss.slopeMbPerMin) : '',
      result.cpuMsPerTicket === undefined ? '' : fixed(result.cpuMsPerTicket, 2),
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** GOAL MET / GOAL MISSED per goal and relay case, and what every count says. */
export function goals(results: readonly CaseResult[]): string[] {
  const lines: string[] = [];
  const verdict = (met: boolean) => (met ? 'GOAL MET   ' : 'GOAL MISSED');
  for (const result of results) {
    if (result.subject === 'passthrough') continue;
    const name = `${result.subject} at ${result.connections}`;
    const base = baselineOf(results, result);
    if (result.subject === 'floor') {
      lines.push(...floorLines(name, result, base));
      continue;
    }
    if (base !== undefined && result.connections === GOAL_CONNECTIONS) {
      const ratio = result.requestsPerS / base.requestsPerS;
      // At a fixed rate both answer that rate (when they keep up): there is no throughput to compare.
      if (result.rate === undefined) {
        lines.push(`${verdict(ratio >= MIN_THROUGHPUT_RATIO)} ${name}: throughput ${ratio.toFixed(2)}x the passthrough's (goal >= ${MIN_THROUGHPUT_RATIO}x)`);
      } else {
        lines.push(`  note ${name}: paced at ${result.rate}/s, throughput not compared (${result.requestsPerS.toFixed(0)}/s answered with 2xx)`);
      }
      const added = result.p99Ms - base.p99Ms;
      lines.push(`${verdict(added <= MAX_P99_ADDED_MS)} ${name}: p99 added ${added.toFixed(1)} ms (goal <= ${MAX_P99_ADDED_MS} ms)`);
    }
    const drift = rssDrift(result);
    if (drift !== undefined && result.rss !== undefined) {
      lines.push(
        `${verdict(drift <= MAX_RSS_DRIFT_SHARE)} ${name}: memory flat, trend ${signed(result.rss.slopeMbPerMin)} MB/min = ${(drift * 100).toFixed(1)} % of the ${result.rss.peakMb.toFixed(0)} MB peak over the run (goal <= ${MAX_RSS_DRIFT_SHARE * 100} %)`,
      );
    }
    const { upstream } = result;
    lines.push(
      `${verdict(onePerCall(upstream) && upstream.token <= 1)} ${name}: ${ticketCounts(upstream)}, ${upstream.token} token call(s), ${upstream.customFields} custom field and ${upstream.categories} category list call(s)${abandoned(upstream)}`,
    );
    const unanswered = upstream.ticketsCreated - upstream.duplicates - result.answered2xx;
    if (result.non2xx > 0 || result.errors > 0 || unanswered !== 0) {
      lines.push(
        `  note ${name}: ${result.non2xx} non-2xx, ${result.errors} connection errors; ${unanswered} ticket(s) created with no 2xx answer counted (in flight when the timed run ended and the subject was stopped, or answered otherwise after a time limit)`,
      );
    }
  }
  return lines;
}

/**
 * The floor is no product, so no goal is judged on it: what it says is how much of the gap to the
 * passthrough the specified stack takes by itself, and so how much is left for the relay's own work.
 */
function floorLines(name: string, result: CaseResult, base: CaseResult | undefined): string[] {
  const how = result.floor === undefined ? '' : `, ${describeFloor(result.floor)}`;
  const against =
    base === undefined
      ? 'no passthrough to compare with'
      : `${result.rate === undefined ? `${(result.requestsPerS / base.requestsPerS).toFixed(2)}x the passthrough's throughput, ` : ''}p99 added ${(result.p99Ms - base.p99Ms).toFixed(1)} ms`;
  const { upstream } = result;
  return [
    `  ${name}${how}: ${against} (a reference, not judged)`,
    `  ${onePerCall(upstream) ? '' : 'NOT ONE TICKET PER CALL: '}${name}: ${ticketCounts(upstream)}, ${result.answered2xx} answered 2xx, ${result.non2xx} non-2xx, ${result.errors} connection errors${abandoned(upstream)}`,
  ];
}

/** Exactly one ticket per Create Ticket call, and none created twice. */
const onePerCall = ({ createTicket, ticketsCreated, duplicates }: CaseResult['upstream']) => createTicket === ticketsCreated && duplicates === 0;

const ticketCounts = ({ createTicket, ticketsCreated, duplicates }: CaseResult['upstream']) =>
  `${createTicket} Create Ticket calls for ${ticketsCreated} tickets, ${duplicates} created twice`;

/**
 * Create Ticket calls the fake logged with no answer sent, their caller's connection closed first
 * (a relay's time limit under overload, say): each still created its ticket, which is counted.
 */
const abandoned = ({ abandoned: count }: CaseResult['upstream']) =>
  count === 0 ? '' : `; ${count} call(s) logged with no answer sent (the caller's connection closed first; their tickets are counted)`;
