/** examples/identity/server.mjs, run as its comment says: what it signs must pass the relay's verification. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityVerifier } from '../../../src/relay/identity/verify-identity';
import { IDENTITY_CONFIG, KEY } from './tokens';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const verify = createIdentityVerifier(IDENTITY_CONFIG);

let child: ChildProcess;
let site: string;

beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', 'examples/identity/server.mjs'], {
    cwd: root,
    env: { ...process.env, PORT: '0', IDENTITY_KID: KEY.id, IDENTITY_SECRET: KEY.secret, RELAY_URL: 'http://relay.test', WIDGET_URL: 'http://cdn.test/w.js' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8');
  site = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      const url = /site: (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`the example exited with ${code}`)));
  });
}, 30_000);

afterAll(async () => {
  if (child.exitCode !== null) return;
  child.kill();
  await once(child, 'exit');
});

describe('the identity example server', () => {
  it('renders a page whose data-identity the relay verifies, with the prefill escaped', async () => {
    const html = await (await fetch(`${site}/`)).text();
    const token = /data-identity="([^"]+)"/.exec(html)?.[1] ?? '';
    const result = await verify(token);
    expect(result).toMatchObject({ ok: true, value: { claims: { name: "Ann O'Neil", email: 'ann@example.com', fields: { 42627: 'CN-775' } } } });
    expect(html).toContain('data-prefill="{&#34;name&#34;:&#34;Ann O&#39;Neil&#34;');
    expect(html).toContain('data-relay="http://relay.test"');
  });

  it('hands a single-page app a fresh token at /identity-token', async () => {
    const response = await fetch(`${site}/identity-token`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { token } = (await response.json()) as { token: string };
    const result = await verify(token);
    expect(result.ok).toBe(true);
  });
});
