import { describe, expect, it } from 'vitest';
import type { StoredTicket } from '../../../src/fake-socialboards/state';
import type { TicketAttempt } from './browsers';
import { finalWord, goalMet, tally } from './tally';
import type { SendRecord } from './tally';

const SENT_AT = Date.parse('2026-01-01T10:00:00.000Z');

const ticket = (title: string, afterMs: number, id = 1): StoredTicket => ({
  id,
  receivedAt: new Date(SENT_AT + afterMs).toISOString(),
  isHtml: false,
  body: { title },
});

const attempt = (status: number | undefined, code?: string): TicketAttempt => ({
  key: 'k'.repeat(32),
  title: 't',
  at: SENT_AT,
  ...(status === undefined ? {} : { status }),
  ...(code === undefined ? {} : { code }),
});

const send = (title: string, told: SendRecord['told'], extra: Partial<SendRecord> = {}): SendRecord => ({
  title,
  sentAt: SENT_AT,
  told,
  stillInOutbox: false,
  attempts: [],
  ...extra,
});

describe('the fault suite tally', () => {
  it.each([
    ['a 201 at Send', send('a', { kind: 'created', ticketId: 1 }), 'sent'],
    ['a 202 at Send', send('a', { kind: 'queued-by-relay', reference: 'r' }), 'sent'],
    ['a refusal at Send', send('a', { kind: 'failed', code: 'upstream_unconfirmed' }), 'failed'],
    ['a Send the deadline cut off', send('a', undefined), 'unfinished'],
    ['a browser-queued Send still in the outbox', send('a', { kind: 'queued-in-browser' }, { stillInOutbox: true }), 'queued'],
    ['a browser-queued Send delivered later', send('a', { kind: 'queued-in-browser' }, { attempts: [attempt(undefined), attempt(502), attempt(201)] }), 'sent'],
    ['a browser-queued Send refused later', send('a', { kind: 'queued-in-browser' }, { attempts: [attempt(undefined), attempt(409, 'submission_unresolved')] }), 'failed'],
  ] as const)('takes the visitor\'s last word for %s', (_case, record, word) => {
    expect(finalWord(record).word).toBe(word);
  });

  it('counts created, duplicated, lost, failed-but-created and failed by title', () => {
    const figures = tally(
      [
        send('one ticket', { kind: 'created', ticketId: 1 }),
        send('two tickets', { kind: 'created', ticketId: 2 }),
        send('told sent, none', { kind: 'queued-by-relay', reference: 'r' }),
        send('told failed, one', { kind: 'failed', code: 'upstream_unconfirmed' }),
        send('told failed, none', { kind: 'failed', code: 'validation' }),
        send('queued, never delivered', { kind: 'queued-in-browser' }, { stillInOutbox: true }),
      ],
      [ticket('one ticket', 100), ticket('two tickets', 300), ticket('two tickets', 5000, 3), ticket('told failed, one', 200), ticket('not ours', 1)],
    );
    expect(figures).toMatchObject({ submitted: 6, created: 3, duplicated: 1, lost: 2, failedButCreated: 1, failed: 1, unfinished: 0 });
    expect(figures.atSend).toEqual({ '201': 2, '202 queued': 1, 'failed: upstream_unconfirmed': 1, 'failed: validation': 1, 'browser-queued': 1 });
    expect(figures.fromOutbox).toEqual({ 'still queued': 1 });
    // The first ticket of each Send: 100, 200 and 300 ms after Send.
    expect(figures.timeToTicket).toEqual({ p50: 200, p99: expect.closeTo(298, 0), max: 300 });
    expect(goalMet(figures)).toBe(false);
  });

  it('meets the goal only with no duplicate, no loss, no failed-but-created and nothing unfinished', () => {
    const one = [send('a', { kind: 'created', ticketId: 1 }), send('b', { kind: 'failed', code: 'validation' })];
    expect(goalMet(tally(one, [ticket('a', 10)]))).toBe(true);
    expect(goalMet(tally([...one, send('c', undefined)], [ticket('a', 10)]))).toBe(false);
  });
});
