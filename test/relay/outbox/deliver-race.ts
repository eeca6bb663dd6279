/**
 * One contender in the cross-process race (sqlite-outbox.test.ts): opens the SQLite outbox on the
 * file given, from the agreed start time delivers whatever is due, and once nothing is left prints
 * the keys it delivered as one JSON line.
 */
import { createLogger } from '../../../src/relay/log';
import { createSqliteOutbox } from '../../../src/relay/outbox/sqlite-outbox';

const [path, startAt] = process.argv.slice(2);
const outbox = createSqliteOutbox({ path: path ?? '', leaseMs: 5000, pollMs: 5, backoff: { maxAttempts: 5, baseMs: 10, maxMs: 10, lookupDelayMs: 0 } });
while (Date.now() < Number(startAt)) await new Promise((resolve) => setTimeout(resolve, 1));
const delivered: string[] = [];
const worker = outbox.startWorker({
  concurrency: 3,
  log: createLogger({ level: 'silent' }),
  deliver: async ({ entry, markSending }) => {
    if (!(await markSending())) return { outcome: 'retry', reason: 'lease_lost', ambiguous: true };
    await new Promise((resolve) => setTimeout(resolve, 10));
    delivered.push(entry.key);
    return { outcome: 'delivered', ticketId: 1 };
  },
});
while ((await outbox.counts()).queued > 0) await new Promise((resolve) => setTimeout(resolve, 20));
await worker.stop();
await outbox.close();
process.stdout.write(`${JSON.stringify(delivered)}\n`);
