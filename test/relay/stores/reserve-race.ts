/**
 * One contender in the cross-process race (sqlite-store.test.ts): opens the SQLite store on the file
 * given, waits for the agreed start time, reserves every key as fast as it can, and prints how each
 * reservation went as one JSON line.
 */
import { createSqliteIdempotencyStore } from '../../../src/relay/stores/sqlite-idempotency-store';

const [path, keyCount, startAt] = process.argv.slice(2);
const store = createSqliteIdempotencyStore({ path: path ?? '', ttlMs: 60_000 });
const keys = Array.from({ length: Number(keyCount) }, (_, i) => `race-key-${i}`);
while (Date.now() < Number(startAt)) await new Promise((resolve) => setTimeout(resolve, 1));
const statuses: Record<string, string> = {};
for (const key of keys) statuses[key] = (await store.reserve(key, 'fp')).status;
await store.close();
process.stdout.write(`${JSON.stringify(statuses)}\n`);
