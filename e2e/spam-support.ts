/** What the spam specs share: a visitor typing the built-in form, what the page sends as `verification`, and provider stand-ins. */
import type { Page, Request } from '@playwright/test';
import { startSiteverifyStandIn, type SiteverifyStandIn } from '../test/relay/spam/siteverify-stand-in';
import { test } from './fixtures';

/** A visitor types the form with the keyboard, as a person does. */
export async function typeForm(page: Page) {
  for (const [label, text] of [
    ['Subject', 'New car price list.'],
    ['Message', 'Hello I want to buy a new car, how can I get a price list?'],
    ['Email', 'bill_smith@gmail.com'],
  ] as const) {
    await page.getByLabel(label, { exact: true }).click();
    await page.keyboard.type(text);
  }
}

/** The `verification` of every ticket request the page sends. */
export function watchVerification(page: Page) {
  const sent: Record<string, unknown>[] = [];
  page.on('request', (request: Request) => {
    if (request.method() === 'POST' && request.url().endsWith('/tickets')) {
      sent.push((request.postDataJSON() as { verification: Record<string, unknown> }).verification);
    }
  });
  return sent;
}

/**
 * A stand-in for a provider's api.js (Turnstile and hCaptcha share the calls we use): a checkbox in
 * the container; checking it yields the next token. It records each render's options, and whether
 * the container was inside a shadow root, in `window.__renders`.
 */
export const providerScript = (provider: 'turnstile' | 'hcaptcha', tokens: string[]) => `(() => {
  const tokens = ${JSON.stringify(tokens)};
  const widgets = {};
  window.__renders = [];
  window.${provider} = {
    render(container, options) {
      const id = 'w' + window.__renders.length;
      window.__renders.push({ options, inShadowRoot: container.getRootNode() instanceof ShadowRoot });
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      label.append(box, ' Verify you are human (stand-in)');
      container.append(label);
      widgets[id] = { box, token: undefined };
      box.addEventListener('change', () => { widgets[id].token = box.checked ? tokens.shift() : undefined; });
      return id;
    },
    getResponse: (id) => widgets[id] && widgets[id].token,
    reset(id) { widgets[id].box.checked = false; widgets[id].token = undefined; },
    remove(id) { delete widgets[id]; },
  };
})();`;

export const SITE_KEYS = { turnstile: '1x00000000000000000000AA', hcaptcha: '10000000-ffff-ffff-ffff-000000000001' } as const;
export const SECRET = 'e2e-siteverify-secret';

/** The e2e test with a relay configured for `provider`, verifying at a local siteverify stand-in. */
export const withSiteverify = (provider: 'turnstile' | 'hcaptcha') =>
  test.extend<object, { siteverify: SiteverifyStandIn }>({
    siteverify: [
      // Playwright reads a fixture's dependencies from this pattern: empty means none.
      // oxlint-disable-next-line no-empty-pattern
      async ({}, use) => {
        const standIn = await startSiteverifyStandIn({ provider, secret: SECRET, siteKey: SITE_KEYS[provider] });
        await use(standIn);
        await standIn.close();
      },
      { scope: 'worker' },
    ],
    relayEnv: [
      async ({ siteverify }, use) =>
        use({
          RELAY_CHALLENGE: provider,
          RELAY_CHALLENGE_SITE_KEY: SITE_KEYS[provider],
          RELAY_CHALLENGE_SECRET: SECRET,
          RELAY_CHALLENGE_VERIFY_URL: siteverify.url,
        }),
      { scope: 'worker' },
    ],
  });
