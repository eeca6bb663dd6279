/**
 * `npm start`: builds the widget, starts the fake Socialboards (or relays to the real one when
 * SOCIALBOARDS_* credentials are set), the relay and the demo page, and prints their URLs.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../relay/config';
import { startStack } from './stack';

const root = fileURLToPath(new URL('../..', import.meta.url));

const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) {
  console.error('The widget build failed; see the errors above.');
  process.exit(1);
}

try {
  const stack = await startStack({ root, env: process.env });
  console.log(`page: ${stack.pageUrl}`);
  console.log(`relay: ${stack.relayUrl}`);
  console.log(`socialboards: ${stack.socialboardsUrl ?? `${process.env.SOCIALBOARDS_API_URL ?? 'https://api.socialboards.com'} (real API)`}`);
  const stop = () => void stack.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  if (error instanceof ConfigError) console.error(error.message);
  else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`A port is already in use (${(error as Error).message}). Set PAGE_PORT, RELAY_PORT or SOCIALBOARDS_PORT.`);
  } else console.error(error);
  process.exit(1);
}
