/**
 * No credential reaches a browser: the widget bundles hold none, and nothing token-shaped. (The
 * relay's answers and log lines are scanned by every integration test's harness, and all of them
 * together by `leak-corpus.test.ts` after the suite.)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/dev/stack';
import { findLeaks, secretsOfEnv, TOKEN_SHAPES } from '../support/leak-scan';

let outDir: string;
beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'bundle-scan-'));
  // The script-tag build, into a folder of this test's own, so the scan never reads a stale dist/.
  execFileSync('npx', ['vite', 'build', '--outDir', outDir, '--logLevel', 'error'], { stdio: 'pipe' });
}, 120_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('the widget bundle', () => {
  it('holds no credential and nothing token-shaped', () => {
    const files = readdirSync(outDir).filter((name) => name.endsWith('.js'));
    expect(files).toContain('socialboards-ticket.js');
    const texts = files.map((name) => ({ where: name, text: readFileSync(join(outDir, name), 'utf8') }));
    const secrets = {
      ...secretsOfEnv({ SOCIALBOARDS_REFRESH_TOKEN: DEMO_CREDENTIALS.refreshToken }),
      'demo client id': DEMO_CREDENTIALS.clientId,
    };
    expect(findLeaks(texts, secrets)).toEqual([]);
  });
});

describe('the leak scanner', () => {
  it('finds configured secrets and every token shape, naming where but never quoting the value', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLWJ5dGVz';
    const texts = [
      { where: 'log', text: `{"msg":"x","token":"${jwt}"}` },
      { where: 'header', text: 'Authorization: Bearer abcdefghijklmnopqrst' },
      { where: 'body', text: 'grant_type=refresh_token&refresh_token=rt-very-secret-123' },
      { where: 'env', text: 'the key is hunter2hunter2' },
      { where: 'pem', text: '-----BEGIN RSA PRIVATE KEY-----' },
      { where: 'clean', text: 'Idempotency-Key: 0123456789abcdef0123456789abcdef; ETag: "abc"' },
    ];
    const leaks = findLeaks(texts, secretsOfEnv({ RELAY_IDENTITY_KEYS: 'k1=hunter2hunter2' }));
    expect(leaks.map((leak) => leak.where).sort()).toEqual(['body', 'env', 'header', 'log', 'pem']);
    expect(JSON.stringify(leaks)).not.toContain('hunter2');
    expect(TOKEN_SHAPES.length).toBeGreaterThanOrEqual(4);
  });
});
