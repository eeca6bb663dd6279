/**
 * Starts the three demo services together: the fake Socialboards (unless real credentials are
 * set), the relay pointed at it, and the page server, all on 127.0.0.1. Used by `npm start` and
 * by the e2e tests (nothing in src/ imports this module).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRelayConfig } from '../relay/config';
import { startRelay } from '../relay/server';
import { startFakeSocialboards } from '../fake-socialboards/server';
import { startPageServer, type PageVars } from './page-server';

/** The credentials the embedded fake accepts; they exist only on this machine. */
export const DEMO_CREDENTIALS = { clientId: 'demo-client', refreshToken: 'demo-refresh-token' } as const;

/**
 * The demo's form config (fields and categories of the fake community), used with the fake unless
 * RELAY_FORM_CONFIG is set; set it empty for a demo without custom fields.
 */
export const DEMO_FORM_CONFIG = fileURLToPath(new URL('./demo-form.json', import.meta.url));

/**
 * Abuse limits relaxed so the demo can be tried freely (a page full of attempts from one address);
 * the relay's own defaults are the strict production ones (README, "Abuse limits").
 */
export const DEMO_LIMITS = {
  RELAY_RATE_LIMIT_REQUESTS: '3000/1m',
  RELAY_RATE_LIMIT_TICKETS: '300/1m',
  RELAY_RATE_LIMIT_TICKETS_PER_ORIGIN: '3000/1m',
  RELAY_RATE_LIMIT_UPLOADS: '600/1m',
  RELAY_RATE_LIMIT_UPLOADS_PER_ORIGIN: '6000/1m',
  RELAY_RATE_LIMIT_FORM: '600/1m',
  RELAY_RATE_LIMIT_FORM_PER_ORIGIN: '6000/1m',
  RELAY_RATE_LIMIT_FILES: '6000/1m',
  RELAY_MAX_REQUESTS_PER_CLIENT: '64',
  RELAY_MAX_CONNECTIONS_PER_CLIENT: '1000',
  RELAY_ATTACHMENT_DAILY_MB: '10240',
  RELAY_ATTACHMENT_PENDING_CLIENT_MB: '1024',
  RELAY_ATTACHMENT_PENDING_NETWORK_MB: '1024',
} as const;

/** What the demo relay pins on every ticket, and its relaxed limits, unless the environment says otherwise. */
export const DEMO_RELAY_ENV = {
  RELAY_SOURCE_NAME: 'Demo page',
  RELAY_CATEGORY_ID: '15597',
  RELAY_TAGS: 'website,widget-demo',
  ...DEMO_LIMITS,
} as const;

export interface StackOptions {
  /** The repo root (index.html, dist/, public/). */
  root: string;
  /** The environment: ports, SOCIALBOARDS_* for the real API, RELAY_* overrides. */
  env: Record<string, string | undefined>;
  /** Extra folders the page server searches after dist/ and public/ (e2e host pages). */
  pageDirs?: string[];
}

export interface RunningStack {
  pageUrl: string;
  relayUrl: string;
  /** The fake's URL, or undefined when relaying to the real Socialboards. */
  socialboardsUrl?: string;
  close(): Promise<void>;
}

const port = (value: string | undefined, fallback: number) => (value === undefined || value === '' ? fallback : Number(value));

/**
 * Starts page server, fake Socialboards and relay; `close()` stops all three. Attachments are on,
 * stored in a temporary folder that `close()` removes (unless RELAY_ATTACHMENTS_DIR names one),
 * and linked at the relay's own address, which the fake on this machine can fetch.
 */
export async function startStack({ root, env, pageDirs = [] }: StackOptions): Promise<RunningStack> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    await Promise.allSettled(closers.reverse().map((stop) => stop()));
  };
  try {
    const vars: PageVars = { relayUrl: '', socialboardsUrl: '', challenge: env.RELAY_CHALLENGE?.trim().toLowerCase() ?? '' };
    const page = await startPageServer({
      root,
      vars,
      dirs: [`${root}/dist`, `${root}/public`, ...pageDirs],
      port: port(env.PAGE_PORT, 8080),
    });
    closers.push(page.close);

    const real = Boolean(env.SOCIALBOARDS_CLIENT_ID || env.SOCIALBOARDS_REFRESH_TOKEN);
    const relayEnv: Record<string, string | undefined> = {
      ...DEMO_RELAY_ENV,
      RELAY_PORT: '8787',
      ...env,
      // The page's own origin is always allowed, so the demo works whatever the port.
      RELAY_ALLOWED_ORIGINS: [new URL(page.url).origin, env.RELAY_ALLOWED_ORIGINS].filter(Boolean).join(','),
    };
    if (!real) {
      const fake = await startFakeSocialboards({ ...DEMO_CREDENTIALS, port: port(env.SOCIALBOARDS_PORT, 8788) });
      closers.push(fake.close);
      vars.socialboardsUrl = fake.url;
      Object.assign(relayEnv, {
        SOCIALBOARDS_API_URL: fake.url,
        SOCIALBOARDS_TOKEN_URL: undefined,
        SOCIALBOARDS_CLIENT_ID: DEMO_CREDENTIALS.clientId,
        SOCIALBOARDS_REFRESH_TOKEN: DEMO_CREDENTIALS.refreshToken,
        RELAY_FORM_CONFIG: env.RELAY_FORM_CONFIG ?? DEMO_FORM_CONFIG,
        // The fake's hidden "Website submission key" field: after an ambiguous failure (a 5xx, a
        // timeout) a retry looks the ticket up there instead of holding the key as unresolved.
        RELAY_SUBMISSION_KEY_FIELD: env.RELAY_SUBMISSION_KEY_FIELD ?? '42636',
      });
    }
    if (!env.RELAY_ATTACHMENTS_DIR) {
      const attachmentsDir = await mkdtemp(join(tmpdir(), 'socialboards-demo-attachments-'));
      closers.push(() => rm(attachmentsDir, { recursive: true, force: true }));
      relayEnv.RELAY_ATTACHMENTS_DIR = attachmentsDir;
    }
    const relay = await startRelay(parseRelayConfig(relayEnv), { upstreamIsLocal: !real });
    closers.push(relay.close);
    vars.relayUrl = relay.url;

    return {
      pageUrl: page.url,
      relayUrl: relay.url,
      ...(vars.socialboardsUrl ? { socialboardsUrl: vars.socialboardsUrl } : {}),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
