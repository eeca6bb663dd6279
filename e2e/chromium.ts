/**
 * Finds a Chromium for Playwright, installing Debian's when none is there: Playwright's own
 * browser download cannot reach its CDN from our machines.
 * Order: CHROMIUM_PATH, then Playwright's browser, then /usr/bin/chromium, else apt-get install.
 */
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** The flags our machines need: no sandbox as root, and no background calls to Google's hosts. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.CHROMIUM_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`CHROMIUM_PATH=${override} does not exist`);
    return override;
  }
  try {
    const bundled = chromium.executablePath();
    if (bundled && existsSync(bundled)) return bundled;
  } catch {
    // Playwright has no browser of its own here; fall through.
  }
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  if (process.getuid?.() !== 0) {
    throw new Error('No Chromium found. Install one (apt-get install -y chromium) or set CHROMIUM_PATH.');
  }
  console.log('No Chromium found; installing Debian chromium with apt-get…');
  execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', {
    stdio: 'inherit',
  });
  if (!existsSync(DEBIAN_CHROMIUM)) throw new Error('apt-get did not install /usr/bin/chromium');
  return DEBIAN_CHROMIUM;
}
