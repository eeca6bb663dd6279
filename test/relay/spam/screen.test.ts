import { describe, expect, it } from 'vitest';
import { TICKET, codeOf, spamRelay } from './support';

const human = { fillMs: 42_000, trap: '' };

describe('POST /tickets spam screen', () => {
  it('creates a ticket filled by a person (empty honeypot, fill time above the minimum), without forwarding verification', async () => {
    const { post, ticketCalls, ticketBodies } = spamRelay();
    expect((await post({ ...TICKET, verification: human })).status).toBe(201);
    expect(ticketCalls()).toBe(1);
    expect(ticketBodies()[0]).not.toMatch(/verification|fillMs|trap/);
  });

  it('refuses a filled honeypot with 400 spam_suspected, before Socialboards is called', async () => {
    const { post, ticketCalls } = spamRelay();
    const response = await post({ ...TICKET, verification: { ...human, trap: 'http://cheap-pills.example' } });
    expect(response.status).toBe(400);
    expect(await codeOf(response)).toBe('spam_suspected');
    expect(ticketCalls()).toBe(0);
  });

  it('refuses a form sent sooner than RELAY_SPAM_MIN_FILL_MS (default 1500) after it was shown', async () => {
    const { post, ticketCalls } = spamRelay();
    const tooFast = await post({ ...TICKET, verification: { fillMs: 1499 } });
    expect(tooFast.status).toBe(400);
    expect(await codeOf(tooFast)).toBe('spam_suspected');
    expect((await post({ ...TICKET, verification: { fillMs: 1500 } })).status).toBe(201);
    expect(ticketCalls()).toBe(1);
  });

  it('takes the minimum from RELAY_SPAM_MIN_FILL_MS, and 0 turns the time check off', async () => {
    const strict = spamRelay({ RELAY_SPAM_MIN_FILL_MS: '5000' });
    expect(await codeOf(await strict.post({ ...TICKET, verification: { fillMs: 4000 } }))).toBe('spam_suspected');
    const off = spamRelay({ RELAY_SPAM_MIN_FILL_MS: '0' });
    expect((await off.post({ ...TICKET, verification: { fillMs: 0 } })).status).toBe(201);
  });

  it('keeps the honeypot on when the time check is off', async () => {
    const { post } = spamRelay({ RELAY_SPAM_MIN_FILL_MS: '0' });
    expect(await codeOf(await post({ ...TICKET, verification: { trap: 'x' } }))).toBe('spam_suspected');
  });

  it('lets an API client without verification through by default, and refuses it with RELAY_SPAM_REQUIRE_VERIFICATION=true', async () => {
    expect((await spamRelay().post(TICKET)).status).toBe(201);
    const strict = spamRelay({ RELAY_SPAM_REQUIRE_VERIFICATION: 'true' });
    const refused = await strict.post(TICKET);
    expect(refused.status).toBe(400);
    expect(await codeOf(refused)).toBe('spam_suspected');
    expect((await strict.post({ ...TICKET, verification: human })).status).toBe(201);
  });

  it('refuses a malformed verification as a validation error naming the field', async () => {
    const { post } = spamRelay();
    const response = await post({ ...TICKET, verification: { fillMs: -1, trap: 'x'.repeat(201), extra: true } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; fields: { path: string; code: string }[] } };
    expect(body.error.code).toBe('validation');
    expect(body.error.fields.map(({ path, code }) => `${path} ${code}`).sort()).toEqual([
      'verification.extra unknown_field',
      'verification.fillMs invalid',
      'verification.trap too_long',
    ]);
  });

  it('logs each refusal with its code and rule, and nothing the visitor sent', async () => {
    const { post, logs } = spamRelay();
    const trap = 'honeypot-value-7f3a';
    await post({ ...TICKET, verification: { fillMs: 10, trap } });
    await post({ ...TICKET, verification: { fillMs: 10 } });
    const refusals = logs.records().filter((record) => record.msg === 'spam defence refused a ticket');
    expect(refusals.map(({ code, rule }) => ({ code, rule }))).toEqual([
      { code: 'spam_suspected', rule: 'honeypot' },
      { code: 'spam_suspected', rule: 'fill_time' },
    ]);
    const everything = logs.lines.join('\n');
    for (const sent of [trap, TICKET.title, TICKET.creator.email]) expect(everything).not.toContain(sent);
    expect(logs.records().filter((record) => record.msg === 'request').map((record) => record.errorCode)).toEqual(['spam_suspected', 'spam_suspected']);
  });

  it('treats a re-send with a new fill time as the same ticket (the Idempotency-Key replays, no duplicate)', async () => {
    const { post, ticketCalls } = spamRelay();
    const key = 'same-ticket-key-0001';
    expect((await post({ ...TICKET, verification: { fillMs: 3000 } }, { key })).status).toBe(201);
    const again = await post({ ...TICKET, verification: { fillMs: 9000 } }, { key });
    expect(again.status).toBe(201);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(ticketCalls()).toBe(1);
  });
});
