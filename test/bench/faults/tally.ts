/**
 * The fault suite's figures: every Send matched by its title to the tickets the fake Socialboards
 * holds, and judged against what the widget last told the visitor.
 */
import type { StoredTicket } from '../../../src/fake-socialboards/state';
import { median, quantile } from '../browser/stats';
import type { TicketAttempt } from './browsers';
import type { Told } from './visitors';

/** What the visitor was told last: at Send, or later by the delivery of the browser outbox. */
export type FinalWord = 'sent' | 'queued' | 'failed' | 'unfinished';

/** One Send as the tally sees it. */
export interface SendRecord {
  title: string;
  sentAt: number;
  told: Told | undefined;
  /** For a message that waited in the browser outbox: still there after the drain. */
  stillInOutbox: boolean;
  /** Every ticket POST the browser made for this title (the first Send's, and the outbox's deliveries). */
  attempts: readonly TicketAttempt[];
}

export interface Figures {
  submitted: number;
  /** Sends with at least one ticket. */
  created: number;
  /** Tickets beyond the first of a Send. */
  duplicated: number;
  /** Told sent or queued, no ticket after the drain. */
  lost: number;
  /** Told it failed, and yet a ticket exists. */
  failedButCreated: number;
  /** Told it failed, no ticket. */
  failed: number;
  /** Send had not finished when the deadline came. */
  unfinished: number;
  /** From the press of Send to the ticket's creation at the fake, in ms, over the created Sends. */
  timeToTicket: { p50: number; p99: number; max: number } | undefined;
  /** What the widget said when Send finished: `201`, `202 queued`, `browser-queued`, `failed: <code>`. */
  atSend: Record<string, number>;
  /** What became of the browser-queued Sends: `delivered 201`, `delivered 202 queued`, `refused: <code>`, `still queued`. */
  fromOutbox: Record<string, number>;
  /** Ticket POSTs the browsers made, by answer: `201`, `504 upstream_timeout`, `no answer`, … */
  attemptsByAnswer: Record<string, number>;
}

const count = (into: Record<string, number>, name: string) => {
  into[name] = (into[name] ?? 0) + 1;
};

const answerOf = (attempt: TicketAttempt) => (attempt.status === undefined ? 'no answer' : `${attempt.status}${attempt.code ? ` ${attempt.code}` : ''}`);

/**
 * The last word the visitor had: what Send said, unless the message went to the browser outbox;
 * then what its delivery said (the last answer the relay gave for its key), or "queued" while it
 * is still there.
 */
export function finalWord(send: SendRecord): { word: FinalWord; fromOutbox?: string } {
  const { told } = send;
  if (told === undefined) return { word: 'unfinished' };
  if (told.kind === 'created' || told.kind === 'queued-by-relay') return { word: 'sent' };
  if (told.kind === 'failed') return { word: 'failed' };
  if (send.stillInOutbox) return { word: 'queued', fromOutbox: 'still queued' };
  const answered = send.attempts.filter((attempt) => attempt.status !== undefined);
  const last = answered[answered.length - 1];
  if (last === undefined || last.status === undefined) return { word: 'queued', fromOutbox: 'gone without an answer' };
  if (last.status === 201) return { word: 'sent', fromOutbox: 'delivered 201' };
  if (last.status === 202) return { word: 'sent', fromOutbox: 'delivered 202 queued' };
  return { word: 'failed', fromOutbox: `refused: ${last.code ?? last.status}` };
}

/** Judges every Send against the fake's tickets (matched by title). */
export function tally(sends: readonly SendRecord[], tickets: readonly StoredTicket[]): Figures {
  const byTitle = new Map<string, StoredTicket[]>();
  for (const ticket of tickets) {
    const title = (ticket.body as { title?: unknown }).title;
    if (typeof title !== 'string') continue;
    byTitle.set(title, [...(byTitle.get(title) ?? []), ticket]);
  }
  const figures: Figures = {
    submitted: sends.length,
    created: 0,
    duplicated: 0,
    lost: 0,
    failedButCreated: 0,
    failed: 0,
    unfinished: 0,
    timeToTicket: undefined,
    atSend: {},
    fromOutbox: {},
    attemptsByAnswer: {},
  };
  const waits: number[] = [];
  for (const send of sends) {
    const found = byTitle.get(send.title) ?? [];
    const { word, fromOutbox } = finalWord(send);
    if (found.length > 0) {
      figures.created += 1;
      figures.duplicated += found.length - 1;
      const first = Math.min(...found.map((ticket) => Date.parse(ticket.receivedAt)));
      waits.push(first - send.sentAt);
    }
    if (word === 'unfinished') figures.unfinished += 1;
    else if (word === 'failed') {
      if (found.length > 0) figures.failedButCreated += 1;
      else figures.failed += 1;
    } else if (found.length === 0) figures.lost += 1;

    const { told } = send;
    if (told !== undefined) {
      count(figures.atSend, told.kind === 'created' ? '201' : told.kind === 'queued-by-relay' ? '202 queued' : told.kind === 'queued-in-browser' ? 'browser-queued' : `failed: ${told.code}`);
    }
    if (fromOutbox !== undefined) count(figures.fromOutbox, fromOutbox);
    for (const attempt of send.attempts) count(figures.attemptsByAnswer, answerOf(attempt));
  }
  if (waits.length > 0) figures.timeToTicket = { p50: median(waits), p99: quantile(waits, 0.99), max: Math.max(...waits) };
  return figures;
}

/** No duplicate, no loss, no "failed" for a ticket that exists, and every Send finished. */
export const goalMet = (figures: Figures) => figures.duplicated === 0 && figures.lost === 0 && figures.failedButCreated === 0 && figures.unfinished === 0;

const seconds = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
const list = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ') || 'none';

/** The figures as the lines the suite prints. */
export function formatFigures(figures: Figures): string[] {
  const { timeToTicket: time } = figures;
  return [
    `  submitted ${figures.submitted}   created ${figures.created}   duplicated ${figures.duplicated}   lost ${figures.lost}   failed-but-created ${figures.failedButCreated}   failed ${figures.failed}${figures.unfinished ? `   unfinished ${figures.unfinished}` : ''}`,
    `  time to ticket (Send pressed -> ticket created at the fake): ${time ? `p50 ${seconds(time.p50)}   p99 ${seconds(time.p99)}   max ${seconds(time.max)}` : 'no ticket'}`,
    `  the widget said at Send: ${list(figures.atSend)}`,
    `  browser outbox, later: ${list(figures.fromOutbox)}`,
    `  ticket POSTs by answer: ${list(figures.attemptsByAnswer)}`,
    `  ${goalMet(figures) ? 'GOAL MET' : 'GOAL NOT MET'} (0 duplicated, 0 lost, 0 failed-but-created)`,
  ];
}
