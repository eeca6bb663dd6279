/**
 * After the integration suite: every relay answer, header and log line that any harness saw,
 * scanned together for the credentials each was configured with and for anything token-shaped.
 * `npm test` runs it as its own suite once Vitest is done (LEAK_SCAN=1); in any other run it is
 * skipped, since the corpus is still being written.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLeaks } from '../support/leak-scan';

const dir = process.env.LEAK_CORPUS_DIR ?? '.reports/leak-corpus';

describe.runIf(process.env.LEAK_SCAN === '1')('everything the integration suite received from relays', () => {
  const files = process.env.LEAK_SCAN === '1' ? readdirSync(dir).filter((name) => name.endsWith('.json')) : [];

  it('was collected from many relays', () => {
    // A handful would mean the harness stopped recording, and this scan would pass for nothing.
    expect(files.length).toBeGreaterThan(50);
  });

  it('holds no configured credential and nothing token-shaped', () => {
    let scanned = 0;
    const leaks = files.flatMap((name) => {
      const { texts, secrets } = JSON.parse(readFileSync(join(dir, name), 'utf8')) as {
        texts: { where: string; text: string }[];
        secrets: Record<string, string>;
      };
      scanned += texts.length;
      return findLeaks(texts, secrets).map((leak) => ({ ...leak, where: `${name}: ${leak.where}` }));
    });
    console.log(`scanned ${scanned} answers and log lines from ${files.length} relays`);
    expect(scanned).toBeGreaterThan(1000);
    expect(leaks).toEqual([]);
  });
});
