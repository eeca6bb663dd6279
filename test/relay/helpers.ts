/** Test helpers for relay unit tests: a config, a scripted Socialboards `fetch`, a log collector. */
import { parseRelayConfig } from '../../src/relay/config';
import type { RelayConfig } from '../../src/relay/config';
import { createLogger } from '../../src/relay/log';
import type { Logger } from '../../src/relay/log';

export const CLIENT_ID = 'client-3f9a';
export const REFRESH_TOKEN = 'refresh-SECRET-8c1d2e';
export const ORIGIN = 'https://shop.example';

/** A valid environment; tests override single variables. */
export const BASE_ENV: Record<string, string> = {
  SOCIALBOARDS_CLIENT_ID: CLIENT_ID,
  SOCIALBOARDS_REFRESH_TOKEN: REFRESH_TOKEN,
  SOCIALBOARDS_API_URL: 'https://sb.test',
  RELAY_ALLOWED_ORIGINS: ORIGIN,
  RELAY_LOG: 'silent',
};

export const testConfig = (env: Record<string, string | undefined> = {}): RelayConfig =>
  parseRelayConfig({ ...BASE_ENV, ...env });

/** A logger that keeps its lines, for assertions and for scanning them for secrets. */
export function captureLogs(): { log: Logger; lines: string[]; records: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', write: (line) => lines.push(line) });
  return { log, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

export interface RecordedCall {
  url: string;
  method: string;
  headers: Headers;
  body: string;
}

type Responder = (call: RecordedCall, signal: AbortSignal | undefined) => Response | Promise<Response>;

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

export const envelope = (data: unknown, errorCode = -1, errorText: string | null = null, status = 200) =>
  json({ data, errorCode, errorText }, status);

/** Token answers `access-1`, `access-2`, … ; tickets get ids 1000, 1001, … unless a test scripts them. */
export function scriptedSocialboards(options: { tickets?: Responder[]; tokens?: Responder[]; expiresIn?: number } = {}) {
  const calls: RecordedCall[] = [];
  let tokenCount = 0;
  let ticketCount = 0;
  const tickets = [...(options.tickets ?? [])];
  const tokens = [...(options.tokens ?? [])];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const call: RecordedCall = {
      url: request.url,
      method: request.method,
      headers: request.headers,
      body: await request.text(),
    };
    calls.push(call);
    const signal = init?.signal ?? undefined;
    if (call.url.endsWith('/token')) {
      const scripted = tokens.shift();
      if (scripted) return scripted(call, signal);
      tokenCount += 1;
      return json({ access_token: `access-${tokenCount}`, token_type: 'bearer', expires_in: options.expiresIn ?? 3599 });
    }
    const scripted = tickets.shift();
    if (scripted) return scripted(call, signal);
    return envelope(1000 + ticketCount++);
  };
  return {
    fetch,
    calls,
    tokenCalls: () => calls.filter((call) => call.url.endsWith('/token')),
    ticketCalls: () => calls.filter((call) => call.url.endsWith('/tickets')),
  };
}

/** A responder that never answers until the request's signal aborts (a hung upstream). */
export const hang: Responder = (_call, signal) =>
  new Promise((_resolve, reject) => {
    signal?.addEventListener('abort', () => reject(signal.reason));
  });

/** A deferred responder: the test decides when upstream answers. */
export function gate(): { responder: Responder; open: (response: Response) => void; reached: Promise<void> } {
  let open: (response: Response) => void = () => {};
  let reach: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  const answer = new Promise<Response>((resolve) => {
    open = resolve;
  });
  return {
    responder: () => {
      reach();
      return answer;
    },
    open: (response) => open(response),
    reached,
  };
}
