/** The e2e stack: page server, relay and fake Socialboards on ephemeral ports, one set per worker. */
import { test as base, expect } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack, type RunningStack } from '../src/dev/stack';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface FakeTicket {
  id: number;
  receivedAt: string;
  body: Record<string, unknown>;
}

export interface Stack extends RunningStack {
  socialboardsUrl: string;
  /** What the fake Socialboards received, in order. */
  tickets(): Promise<FakeTicket[]>;
  /** Injects a fault into the fake (see docs/fake-socialboards.md). */
  fault(fault: Record<string, unknown>): Promise<void>;
}

export interface StackOptions {
  /** The relay's form config: a file under e2e/forms, or '' for none; default the demo's. */
  formConfig: string | undefined;
  /** More relay variables (RELAY_IDENTITY_KEYS, RELAY_CHALLENGE, RELAY_SPAM_MIN_FILL_MS, …), over the defaults below. */
  relayEnv: Record<string, string>;
}

export const test = base.extend<{ freshFake: void }, { stack: Stack } & StackOptions>({
  formConfig: [undefined, { scope: 'worker', option: true }],
  relayEnv: [{}, { scope: 'worker', option: true }],
  // Every test starts with an empty fake: no tickets, faults or tokens.
  freshFake: [
    async ({ stack }, use) => {
      await fetch(`${stack.socialboardsUrl}/__fake/reset`, { method: 'POST' });
      await use();
    },
    { auto: true },
  ],
  stack: [
    async ({ formConfig, relayEnv }, use) => {
      // The relay's idempotency store, outside the repository (npm start keeps it in ./data).
      const dataDir = await mkdtemp(join(tmpdir(), 'e2e-relay-data-'));
      const running = await startStack({
        root,
        env: {
          PAGE_PORT: '0',
          RELAY_PORT: '0',
          SOCIALBOARDS_PORT: '0',
          RELAY_LOG: 'silent',
          RELAY_UPSTREAM_TIMEOUT_MS: '3000',
          // Playwright fills a form in milliseconds, as a bot would; e2e/spam.spec.ts turns the check on.
          RELAY_SPAM_MIN_FILL_MS: '0',
          RELAY_STORE_PATH: join(dataDir, 'relay.db'),
          ...(formConfig === undefined ? {} : { RELAY_FORM_CONFIG: formConfig && `${root}/e2e/forms/${formConfig}` }),
          ...relayEnv,
        },
        pageDirs: [`${root}/e2e/pages`],
      });
      const socialboardsUrl = running.socialboardsUrl as string;
      await use({
        ...running,
        socialboardsUrl,
        async tickets() {
          const response = await fetch(`${socialboardsUrl}/__fake/tickets`);
          return ((await response.json()) as { tickets: FakeTicket[] }).tickets;
        },
        async fault(fault) {
          const response = await fetch(`${socialboardsUrl}/__fake/faults`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(fault),
          });
          if (!response.ok) throw new Error(`fault refused: ${response.status} ${await response.text()}`);
        },
      });
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
});

export { expect };
