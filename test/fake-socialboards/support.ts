/** Test helpers: a fake with a hand-driven clock, and short ways to get a token, post tickets and queue faults. */
import { createFakeSocialboards } from '../../src/fake-socialboards/app';
import type { FakeOptions } from '../../src/fake-socialboards/app';

export const CLIENT_ID = 'test-client';
export const REFRESH_TOKEN = 'test-refresh-token';

/** The request body of the Create Ticket doc page, verbatim (seed 000_336e6ef1d73647bf.txt). */
export const SEED_BODY = {
  assigneeId: '43b8adc7-755d-2be3-afb1-b6a462631977',
  attachments: [{ url: 'https://your.attachment.url/filename.png', name: 'filename.png' }],
  categoryId: 15597,
  cc: ['ann_smith@gmail.com'],
  creator: { name: 'Bill Smith', email: 'bill_smith@gmail.com', image: null, phoneNumber: null },
  customFields: [{ id: 42623, value: 'Oslo' }],
  message: 'Hello I want to buy a new car, how can I get a price list?',
  sentiment: 'question',
  tags: [],
  title: 'New car price list.',
};

/** What the fake records for the seed's attachment: its URL is not on this machine, so it is not fetched. */
export const SEED_ATTACHMENT_NOT_FETCHED = {
  url: 'https://your.attachment.url/filename.png',
  name: 'filename.png',
  status: null,
  size: null,
  sha256: null,
  contentType: null,
  contentDisposition: null,
  error: 'not fetched: an address beyond this machine',
};

/** The smallest body the fake accepts. */
export const MINIMAL_BODY = { title: 'Hi', message: 'Hello', creator: { email: 'ann@example.com' } };

export const TOKEN_FORM = `grant_type=refresh_token&refresh_token=${REFRESH_TOKEN}&client_id=${CLIENT_ID}`;

/** A fake whose clock moves only when the test says so. */
export function makeFake(options: Partial<FakeOptions> = {}) {
  const clock = { now: Date.parse('2025-03-01T12:00:00Z') };
  const fake = createFakeSocialboards({
    clientId: CLIENT_ID,
    refreshToken: REFRESH_TOKEN,
    now: () => clock.now,
    ...options,
  });
  const { app } = fake;

  const requestToken = (body = TOKEN_FORM, contentType = 'application/x-www-form-urlencoded') =>
    app.request('/token', { method: 'POST', headers: { 'content-type': contentType }, body });

  const token = async (): Promise<string> => {
    const answer = (await (await requestToken()).json()) as { access_token: string };
    return answer.access_token;
  };

  const postTicket = async (body: unknown, accessToken?: string, init: RequestInit = {}) =>
    app.request('/tickets', {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken ?? (await token())}`, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...init,
    });

  const getWithToken = (path: string, accessToken: string) =>
    app.request(path, { headers: { authorization: `Bearer ${accessToken}` } });

  const addFault = (fault: Record<string, unknown>) =>
    app.request('/__fake/faults', { method: 'POST', body: JSON.stringify(fault) });

  return { ...fake, clock, requestToken, token, postTicket, getWithToken, addFault };
}

/** Decodes the payload of a JWT. */
export function jwtPayload(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}
