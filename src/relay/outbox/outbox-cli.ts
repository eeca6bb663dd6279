/**
 * The operator's outbox command: `npm run relay -- outbox list | show <ref> | replay <ref|--all> |
 * drop <ref|--all>`, on the store the relay's own variables name (RELAY_STORE_PATH or REDIS_URL).
 */
import { createStorage } from '../attachments/create-storage';
import { ConfigError, parseRelayConfig } from '../config';
import type { RelayConfig } from '../config';
import { createLogger } from '../log';
import type { Logger } from '../log';
import { createIdempotencyStore } from '../stores/create-idempotency-store';
import { createOutbox } from './create-outbox';
import type { OutboxEntry, OutboxStore } from './outbox-store';
import { queuedAnswer } from './queued-answer';
import { queuedFiles } from './queued-files';

export const USAGE = `usage: npm run relay -- outbox <command>
  list                   every queued and dead-lettered ticket (no visitor data)
  show <reference>       one entry, with the ticket as it will be sent (visitor data)
  replay <reference>     make a dead-lettered ticket due now, with a fresh set of attempts
  replay --all           every dead-lettered ticket
  drop <reference>       remove an entry and delete its attachments (not one being delivered right now)
  drop --all             every dead-lettered ticket
The running relay's worker delivers what is due; this command only changes the store.`;

export interface CliOptions {
  env: Record<string, string | undefined>;
  /** Where each line of output goes. */
  out: (line: string) => void;
  /** Where warnings from the stores go (stderr by default). */
  log?: Logger;
  now?: () => number;
}

/** Runs one command; resolves with the process exit code (0 done, 1 not found or bad config, 2 usage). */
export async function runOutboxCommand(args: readonly string[], options: CliOptions): Promise<number> {
  const { out } = options;
  const [command, target] = args;
  const needsTarget = command === 'show' || command === 'replay' || command === 'drop';
  if (!(command === 'list' || needsTarget) || (needsTarget && target === undefined) || (command === 'show' && target === '--all')) {
    out(USAGE);
    return 2;
  }
  let config: RelayConfig;
  try {
    config = parseRelayConfig(options.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    out(`relay: ${error.message}`);
    return 1;
  }
  const now = options.now ?? Date.now;
  const log = options.log ?? createLogger({ level: 'info', now, write: (line) => process.stderr.write(`${line}\n`) });
  const redisUrl = config.limits.redisUrl;
  const outbox = createOutbox({ ...config.outbox, ...config.idempotency, redisUrl }, { now, log });
  try {
    if (!config.outbox.enabled) out('note: RELAY_OUTBOX is false; the relay queues nothing new and runs no worker.');
    const which = target === '--all' ? 'all' : (target ?? '');
    // Awaited inside the try: the store must not close (finally) before the command has read it.
    switch (command) {
      case 'list':
        return await list(outbox, out);
      case 'show':
        return await show(outbox, which, out);
      case 'replay': {
        const replayed = await outbox.replay(which);
        for (const entry of replayed) out(`replayed ${entry.reference}: due now`);
        return summary(replayed.length, which, 'replayed', out);
      }
      default: {
        const dropped = await outbox.drop(which);
        if (dropped.length > 0) await forget(config, dropped, { now, log });
        for (const entry of dropped) out(`dropped ${entry.reference} (${entry.files.length} attachment${entry.files.length === 1 ? '' : 's'} deleted)`);
        return summary(dropped.length, which, 'dropped', out);
      }
    }
  } finally {
    await outbox.close();
  }
}

async function list(outbox: OutboxStore, out: (line: string) => void): Promise<number> {
  const entries = await outbox.list();
  const rows = entries.map((entry) => [
    entry.reference,
    entry.state,
    String(entry.attempts),
    entry.lastError,
    `${entry.state === 'dead' ? 'died' : 'next'} ${iso(entry.nextAttemptAt)}`,
    `queued ${iso(entry.createdAt)}`,
    `${entry.files.length} file${entry.files.length === 1 ? '' : 's'}`,
  ]);
  const header = ['REFERENCE', 'STATE', 'ATTEMPTS', 'LAST ERROR', 'WHEN', 'SINCE', 'ATTACHMENTS'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  if (rows.length > 0) {
    out(line(header));
    for (const row of rows) out(line(row));
  }
  const queued = entries.filter((entry) => entry.state === 'queued').length;
  out(`${queued} queued, ${entries.length - queued} dead-lettered`);
  return 0;
}

async function show(outbox: OutboxStore, reference: string, out: (line: string) => void): Promise<number> {
  const entry = await outbox.get(reference);
  if (entry === undefined) {
    out(`no outbox entry ${reference}`);
    return 1;
  }
  out(`reference:       ${entry.reference}`);
  out(`idempotency key: ${entry.key}`);
  out(`state:           ${entry.state}`);
  out(`attempts:        ${entry.attempts}`);
  out(`last error:      ${entry.lastError}${entry.ambiguous ? ' (an attempt may have created it: looked for before sending)' : ''}`);
  out(`${entry.state === 'dead' ? 'dead since:     ' : 'next attempt:   '} ${iso(entry.nextAttemptAt)}`);
  out(`queued at:       ${iso(entry.createdAt)}`);
  out(`attachments:     ${entry.files.length === 0 ? 'none' : entry.files.join(', ')}`);
  out('ticket (visitor data, as it will be sent):');
  out(JSON.stringify(entry.body, null, 2));
  return 0;
}

/** After a drop: the key's kept `202` expires with the TTL like any answer, and the files go. */
async function forget(config: RelayConfig, dropped: readonly OutboxEntry[], deps: { now: () => number; log: Logger }) {
  const store = createIdempotencyStore({ ...config.idempotency, redisUrl: config.limits.redisUrl }, deps);
  try {
    for (const entry of dropped) await store.replaceAnswer(entry.key, queuedAnswer(entry.reference));
  } finally {
    await store.close();
  }
  const storage = config.attachments.storage === 'off' ? undefined : createStorage(config.attachments);
  if (storage !== undefined) await queuedFiles(storage, deps.now).dropped(dropped.flatMap((entry) => entry.files));
}

function summary(count: number, which: string, done: string, out: (line: string) => void): number {
  if (count > 0 || which === 'all') {
    out(`${count} ${done}`);
    return 0;
  }
  out(`no ${done === 'replayed' ? 'dead-lettered' : 'droppable'} outbox entry ${which}`);
  return 1;
}

const iso = (time: number) => new Date(time).toISOString();
