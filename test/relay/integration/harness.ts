/** Starts the fake Socialboards and the relay on ephemeral 127.0.0.1 ports, and talks to both over real HTTP. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRelayConfig } from '../../../src/relay/config';
import { startRelay } from '../../../src/relay/server';
import type { RunningRelay } from '../../../src/relay/server';
import { startFakeSocialboards } from '../../../src/fake-socialboards/server';
import type { RunningFakeSocialboards } from '../../../src/fake-socialboards/server';
import type { FetchedAttachment } from '../../../src/fake-socialboards/fetch-attachments';
import { DEMO_LIMITS } from '../../../src/dev/stack';
import { captureLogs } from '../helpers';
import { findLeaks, recordForScan, secretsOfEnv } from '../../support/leak-scan';

export const CLIENT_ID = 'integration-client';
export const REFRESH_TOKEN = 'integration-refresh-SECRET-5e7f';
export const ORIGIN = 'https://shop.example';

export interface FakeTicket {
  id: number;
  receivedAt: string;
  body: Record<string, unknown>;
  /** What the fake got fetching each attachment URL (tickets with attachments only). */
  attachmentsFetched?: FetchedAttachment[];
}
export interface FakeRequest {
  method: string;
  path: string;
  status: number | null;
}

export interface PostOptions {
  key?: string | null;
  origin?: string | null;
  headers?: Record<string, string>;
  /** The relay to send to, when the test started more than one (default: the first). */
  via?: RunningRelay;
}

let keyCounter = 0;
export const newKey = () => `integration-${Date.now()}-${String(++keyCounter).padStart(6, '0')}`;

export interface Harness {
  fake: RunningFakeSocialboards;
  relay: RunningRelay;
  /**
   * Starts another relay on the same fake, with the same settings and the same idempotency store
   * (the same SQLite file, or Redis with REDIS_URL) unless `env` says otherwise: a second
   * instance, or the first one restarted. `close()` on any relay may be called more than once.
   */
  startRelay(env?: Record<string, string>): Promise<RunningRelay>;
  /** Every log line the relay wrote. */
  logLines: string[];
  /** The relay's environment (what the outbox command needs to open the same store). */
  env: Record<string, string>;
  /** The relay's disk storage for attachments: a temporary folder, removed on close. */
  attachmentsDir: string;
  /** The temporary folder of the relay's SQLite store (RELAY_STORE_PATH), removed on close. */
  dataDir: string;
  /** Every response the harness received from the relay, as headers and body text. */
  responseTexts: string[];
  /** Every access token the fake has held live at any point we looked. */
  seenAccessTokens: Set<string>;
  post(body: unknown, options?: PostOptions): Promise<Response>;
  /** A request to the first relay, or to `via`. */
  send(path: string, init?: RequestInit, via?: RunningRelay): Promise<Response>;
  fakeTickets(): Promise<FakeTicket[]>;
  fakeRequests(): Promise<FakeRequest[]>;
  fault(fault: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** A form config, written to a temporary file that RELAY_FORM_CONFIG names. */
  form?: unknown;
  /** The relay's clock (the fake keeps the real one). */
  now?: () => number;
}

/** Starts both; `env` overrides relay variables (the API URL and credentials point at the fake). */
export async function startHarness(env: Record<string, string> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const fake = await startFakeSocialboards({ clientId: CLIENT_ID, refreshToken: REFRESH_TOKEN, port: 0 });
  const logs = captureLogs();
  const formDir = options.form === undefined ? undefined : await mkdtemp(join(tmpdir(), 'relay-form-'));
  const attachmentsDir = await mkdtemp(join(tmpdir(), 'relay-attachments-'));
  // Never ./data in the repository: every relay of the test shares this file.
  const dataDir = await mkdtemp(join(tmpdir(), 'relay-data-'));
  const relays: RunningRelay[] = [];
  const launch = async (env: Record<string, string>) => {
    const started = await startRelay(parseRelayConfig(env), { log: logs.log, ...(options.now === undefined ? {} : { now: options.now }) });
    let closing: Promise<void> | undefined;
    const relay: RunningRelay = { url: started.url, close: () => (closing ??= started.close()) };
    relays.push(relay);
    return relay;
  };
  let relay: RunningRelay;
  let relayEnv: Record<string, string>;
  try {
    const formEnv: Record<string, string> = {};
    if (formDir !== undefined) {
      formEnv.RELAY_FORM_CONFIG = join(formDir, 'form.json');
      await writeFile(formEnv.RELAY_FORM_CONFIG, JSON.stringify(options.form));
    }
    relayEnv = {
      // Relaxed, as in the demo; the abuse suite passes the production defaults it tests.
      ...DEMO_LIMITS,
      SOCIALBOARDS_CLIENT_ID: CLIENT_ID,
      SOCIALBOARDS_REFRESH_TOKEN: REFRESH_TOKEN,
      SOCIALBOARDS_API_URL: fake.url,
      RELAY_ALLOWED_ORIGINS: ORIGIN,
      RELAY_PORT: '0',
      RELAY_ATTACHMENTS_DIR: attachmentsDir,
      RELAY_STORE_PATH: join(dataDir, 'relay.db'),
      ...formEnv,
      ...env,
    };
    relay = await launch(relayEnv);
  } catch (error) {
    await fake.close();
    if (formDir !== undefined) await rm(formDir, { recursive: true, force: true });
    await rm(attachmentsDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  const responseTexts: string[] = [];
  const seenAccessTokens = new Set<string>();
  const remember = () => {
    for (const token of fake.state.liveTokens) seenAccessTokens.add(token);
  };

  const send = async (path: string, init: RequestInit = {}, via: RunningRelay = relay) => {
    const response = await fetch(`${via.url}${path}`, init);
    remember();
    responseTexts.push(`${[...response.headers].join('\n')}\n${await response.clone().text()}`);
    return response;
  };

  const post = (body: unknown, options: PostOptions = {}) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...options.headers };
    const key = options.key === undefined ? newKey() : options.key;
    if (key !== null) headers['Idempotency-Key'] = key;
    const origin = options.origin === undefined ? ORIGIN : options.origin;
    if (origin !== null) headers.Origin = origin;
    return send('/tickets', { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }, options.via);
  };

  const fakeJson = async <T>(path: string): Promise<T> => (await (await fetch(`${fake.url}${path}`)).json()) as T;

  return {
    fake,
    relay,
    startRelay: (env = {}) => launch({ ...relayEnv, ...env }),
    logLines: logs.lines,
    env: relayEnv,
    attachmentsDir,
    dataDir,
    responseTexts,
    seenAccessTokens,
    post,
    send,
    fakeTickets: async () => (await fakeJson<{ tickets: FakeTicket[] }>('/__fake/tickets')).tickets,
    fakeRequests: async () => (await fakeJson<{ requests: FakeRequest[] }>('/__fake/requests')).requests,
    fault: async (fault) => {
      remember();
      const response = await fetch(`${fake.url}/__fake/faults`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(fault),
      });
      if (!response.ok) throw new Error(`fault refused: ${await response.text()}`);
    },
    close: async () => {
      remember();
      // The fake first: it ends requests it holds, so the relay has nothing in flight to wait for.
      await fake.close();
      await Promise.all(relays.map((running) => running.close()));
      if (formDir !== undefined) await rm(formDir, { recursive: true, force: true });
      await rm(attachmentsDir, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
      // Every answer and log line of every integration test is scanned for credentials and tokens.
      const texts = [
        ...responseTexts.map((text, i) => ({ where: `answer ${i + 1}`, text })),
        ...logs.lines.map((text, i) => ({ where: `log line ${i + 1}`, text })),
      ];
      const secrets: Record<string, string> = { ...secretsOfEnv(relayEnv) };
      [...seenAccessTokens].forEach((token, i) => {
        secrets[`Socialboards access token ${i + 1}`] = token;
      });
      await recordForScan(texts, secrets);
      const leaks = findLeaks(texts, secrets);
      if (leaks.length > 0) throw new Error(`the relay leaked secrets: ${leaks.map((leak) => `${leak.what} in ${leak.where}`).join('; ')}`);
    },
  };
}
