/** A relay app for spam tests, with a scripted Socialboards and helpers to post tickets. */
import { createRelayApp } from '../../../src/relay/app';
import type { RelayDeps } from '../../../src/relay/app';
import { ORIGIN, captureLogs, memoryStore, refused, scriptedSocialboards, testConfig } from '../helpers';

export const TICKET = {
  title: 'New car price list.',
  message: 'Hello I want to buy a new car, how can I get a price list?',
  creator: { email: 'bill_smith@gmail.com' },
};

let keys = 0;
export const newKey = () => `spam-test-key-${String(++keys).padStart(8, '0')}`;

export function spamRelay(
  env: Record<string, string> = {},
  deps: Partial<RelayDeps> = {},
  upstreamOptions: Parameters<typeof scriptedSocialboards>[0] = {},
) {
  const upstream = scriptedSocialboards(upstreamOptions);
  const logs = captureLogs();
  const app = createRelayApp(testConfig(env), { fetch: upstream.fetch, log: logs.log, idempotencyStore: memoryStore({ now: deps.now }), ...deps });
  const post = (body: unknown, options: { key?: string; origin?: string } = {}) =>
    app.request('/tickets', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': options.key ?? newKey(), Origin: options.origin ?? ORIGIN },
      body: JSON.stringify(body),
    });
  const ticketCalls = () => upstream.ticketCalls().length;
  /** The bodies Socialboards received. */
  const ticketBodies = () => upstream.ticketCalls().map((call) => call.body);
  return { app, post, logs, ticketCalls, ticketBodies };
}

export const codeOf = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

/** Socialboards failing once (the connection refused, so nothing was created and a retry goes upstream), then creating tickets. */
export const FAILS_ONCE = { tickets: [refused] };
