/** Test helpers for relay unit tests: a config, a scripted Socialboards `fetch`, a log collector. */
import { DEMO_LIMITS } from '../../src/dev/stack';
import { CATEGORIES, CUSTOM_FIELDS } from '../../src/fake-socialboards/definitions';
import { parseRelayConfig } from '../../src/relay/config';
import type { RelayConfig } from '../../src/relay/config';
import { createLogger } from '../../src/relay/log';
import type { Logger } from '../../src/relay/log';
import { createMemoryIdempotencyStore } from '../../src/relay/stores/memory-idempotency-store';

export const CLIENT_ID = 'client-3f9a';
export const REFRESH_TOKEN = 'refresh-SECRET-8c1d2e';
export const ORIGIN = 'https://shop.example';

/** A valid environment, with the demo's relaxed abuse limits (tests of limits set their own); tests override single variables. */
export const BASE_ENV: Record<string, string> = {
  ...DEMO_LIMITS,
  SOCIALBOARDS_CLIENT_ID: CLIENT_ID,
  SOCIALBOARDS_REFRESH_TOKEN: REFRESH_TOKEN,
  SOCIALBOARDS_API_URL: 'https://sb.test',
  RELAY_ALLOWED_ORIGINS: ORIGIN,
  RELAY_LOG: 'silent',
};

/** A config; `form` is the text of the form config file, as if RELAY_FORM_CONFIG named one. */
export const testConfig = (env: Record<string, string | undefined> = {}, form?: unknown): RelayConfig =>
  parseRelayConfig(
    { ...BASE_ENV, ...(form === undefined ? {} : { RELAY_FORM_CONFIG: '/test/form.json' }), ...env },
    { readFile: () => JSON.stringify(form) },
  );

/**
 * The idempotency store of a relay built by a unit test: in memory, so that no test writes a
 * database into the repository (the relay's default is a SQLite file under ./data).
 */
export const memoryStore = ({ now = Date.now, ttlSeconds = 86_400 }: { now?: (() => number) | undefined; ttlSeconds?: number } = {}) =>
  createMemoryIdempotencyStore({ ttlMs: ttlSeconds * 1000, now });

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

const LIST_PATHS = ['/customfields', '/categories'] as const;
const isListCall = (call: RecordedCall) => LIST_PATHS.some((path) => new URL(call.url).pathname === path);
const isLookupCall = (call: RecordedCall) => new URL(call.url).pathname === '/tickets/list';

/**
 * Token answers `access-1`, `access-2`, … ; tickets get ids 1000, 1001, … unless a test scripts
 * them; the lists answer the fake community's definitions unless a test scripts them; List
 * Tickets (`lookups`) finds nothing unless a test scripts it.
 */
export function scriptedSocialboards(
  options: {
    tickets?: Responder[];
    tokens?: Responder[];
    customFields?: Responder[];
    categories?: Responder[];
    lookups?: Responder[];
    expiresIn?: number;
  } = {},
) {
  const calls: RecordedCall[] = [];
  let tokenCount = 0;
  let ticketCount = 0;
  const tickets = [...(options.tickets ?? [])];
  const tokens = [...(options.tokens ?? [])];
  const lookups = [...(options.lookups ?? [])];
  const lists = { '/customfields': [...(options.customFields ?? [])], '/categories': [...(options.categories ?? [])] };
  const definitions = { '/customfields': CUSTOM_FIELDS, '/categories': CATEGORIES };
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
    if (isLookupCall(call)) return (lookups.shift() ?? (() => envelope([])))(call, signal);
    if (isListCall(call)) {
      const path = new URL(call.url).pathname as (typeof LIST_PATHS)[number];
      const listed = lists[path].shift();
      return listed ? listed(call, signal) : envelope(definitions[path]);
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
    listCalls: () => calls.filter(isListCall),
    lookupCalls: () => calls.filter(isLookupCall),
  };
}

/** A responder for a Socialboards that refuses the connection: nothing was sent, so the ticket certainly does not exist. */
export const refused: Responder = () => {
  throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }) });
};

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

/**
 * A form config over the fake community's fields: one field per control, with the default
 * format for some and another format for others, two prefill-only fields (one hidden, one
 * sensitive), and a picker over two category subtrees.
 */
export const EVERY_CONTROL_FORM = {
  fields: [
    { id: 42623 },
    { id: 42625 },
    { id: 42626, prefillOnly: true },
    { id: 42627, prefillOnly: true },
    { id: 42628, label: 'What happened?', maxLength: 500 },
    { id: 42629, format: 'decimal-comma' },
    { id: 42630, format: 'dd.mm.yyyy' },
    { id: 42631 },
    { id: 42632 },
    { id: 42633 },
    { id: 42634, format: 'yes-no' },
    { id: 42635 },
  ],
  categories: { picker: true, ids: [15597, 15600], label: 'Topic' },
};

/** A visitor's canonical value for every field of EVERY_CONTROL_FORM, as the widget sends them. */
export const EVERY_CONTROL_VALUES = [
  { id: 42623, value: 'Oslo' },
  { id: 42625, value: 'Model Y' },
  { id: 42626, value: 'spring-campaign' },
  { id: 42627, value: 'CN-775-SECRET' },
  { id: 42628, value: 'A scratch on the left door.\nAnd a dent.' },
  { id: 42629, value: '12345.5' },
  { id: 42630, value: '2025-03-07' },
  { id: 42631, value: 'ann@example.com' },
  { id: 42632, value: '+47 22 33 44 55' },
  { id: 42633, value: 'https://cars.example/listing/7' },
  { id: 42634, value: 'true' },
  { id: 42635, value: 'Financing' },
  { id: 42635, value: 'Insurance' },
];

/** What Socialboards must receive for EVERY_CONTROL_VALUES, in form order. */
export const EVERY_CONTROL_UPSTREAM = [
  { id: 42623, value: 'Oslo' },
  { id: 42625, value: 'Model Y' },
  { id: 42626, value: 'spring-campaign' },
  { id: 42627, value: 'CN-775-SECRET' },
  { id: 42628, value: 'A scratch on the left door.\nAnd a dent.' },
  { id: 42629, value: '12345,5' },
  { id: 42630, value: '07.03.2025' },
  { id: 42631, value: 'ann@example.com' },
  { id: 42632, value: '+47 22 33 44 55' },
  { id: 42633, value: 'https://cars.example/listing/7' },
  { id: 42634, value: 'yes' },
  { id: 42635, value: 'Financing,Insurance' },
];
