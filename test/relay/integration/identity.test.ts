import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIdentity } from '../../../src/relay/identity/sign-identity';
import { KEY, KEYS_ENV } from '../identity/tokens';
import { startHarness } from './harness';
import type { Harness } from './harness';

const VISITOR = {
  title: 'Invoice question',
  message: 'Why was I charged twice?',
  // What a visitor typed over the page's prefill: not who they are.
  creator: { name: 'Someone Else', email: 'someone@else.example' },
  customFields: [{ id: 42623, value: 'Oslo' }],
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness(
    { RELAY_IDENTITY_KEYS: KEYS_ENV, RELAY_IDENTITY_TAG: 'verified', RELAY_TAGS: 'web' },
    { form: { fields: [{ id: 42623 }, { id: 42627, signed: true }] } },
  );
});
afterAll(async () => {
  await h.close();
});

describe('signed identity, relay → fake Socialboards over HTTP', () => {
  it('Socialboards receives the signed creator, the signed field and the tag', async () => {
    const identity = await signIdentity({ key: KEY, name: 'Ann Verified', email: 'ann@verified.example', fields: { 42627: 'CN-775' } });
    const response = await h.post({ ...VISITOR, identity });
    expect(response.status).toBe(201);
    const { ticketId } = (await response.json()) as { ticketId: number };
    const ticket = (await h.fakeTickets()).find((one) => one.id === ticketId);
    expect(ticket?.body).toMatchObject({
      creator: { name: 'Ann Verified', email: 'ann@verified.example' },
      customFields: [{ id: 42623, value: 'Oslo' }, { id: 42627, value: 'CN-775' }],
      tags: ['web', 'verified'],
    });
    // The token itself never goes upstream.
    expect(JSON.stringify(ticket?.body)).not.toContain(identity.split('.')[2]);
  });

  it('an expired token creates nothing, and neither the answer nor the log holds the token', async () => {
    const before = (await h.fakeTickets()).length;
    const identity = await signIdentity({ key: KEY, email: 'ann@verified.example', expiresInSeconds: 60, now: () => Date.now() - 3_600_000 });
    const response = await h.post({ ...VISITOR, identity });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: 'identity_invalid', message: expect.stringMatching(/has expired/) } });
    expect(await h.fakeTickets()).toHaveLength(before);
    const signature = identity.split('.')[2] as string;
    for (const text of [...h.logLines, ...h.responseTexts]) {
      expect(text).not.toContain(signature);
      expect(text).not.toContain(KEY.secret);
    }
  });

  it('a visitor cannot set the signed field by typing it', async () => {
    const response = await h.post({ ...VISITOR, customFields: [...VISITOR.customFields, { id: 42627, value: 'CN-FORGED' }] });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await h.fakeTickets())).not.toContain('CN-FORGED');
  });
});
