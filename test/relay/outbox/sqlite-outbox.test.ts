/** What only the SQLite outbox has to prove: worker processes racing on one file deliver each entry once. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CreateTicketBody } from '../../../src/shared/create-ticket';
import { createSqliteOutbox } from '../../../src/relay/outbox/sqlite-outbox';

const run = promisify(execFile);
const CONTENDER = fileURLToPath(new URL('./deliver-race.ts', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-outbox-race-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('delivers each of 120 entries exactly once while three processes work on one file', async () => {
  const path = join(dir, 'relay.db');
  const outbox = createSqliteOutbox({ path, leaseMs: 5000, pollMs: 1000, backoff: { maxAttempts: 5, baseMs: 10, maxMs: 10, lookupDelayMs: 0 } });
  const keys = Array.from({ length: 120 }, (_, i) => `race-${i}`);
  for (const key of keys) {
    await outbox.enqueue({ key, fingerprint: 'fp', body: { title: 't', message: 'm', isHtml: false } as CreateTicketBody, redact: [], files: [], lastError: 'upstream_busy', ambiguous: false });
  }
  await outbox.close();
  const startAt = Date.now() + 2500;
  const contenders = await Promise.all(Array.from({ length: 3 }, () => run(process.execPath, ['--import', 'tsx', CONTENDER, path, String(startAt)])));
  const delivered = contenders.map(({ stdout }) => JSON.parse(stdout) as string[]);
  expect(delivered.flat().sort()).toEqual([...keys].sort());
  // Each took part: the work was shared, not done by whichever started first.
  expect(delivered.filter((mine) => mine.length > 0).length).toBeGreaterThan(1);
}, 60_000);
