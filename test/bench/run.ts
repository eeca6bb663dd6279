/**
 * `npm run bench`: the bundle's per-part breakdown and the relay's overhead as ratios. Machines
 * here are noisy, so only ratios measured in the same run are compared, never absolute times.
 */
import { spawnSync } from 'node:child_process';
import { bundleBreakdown } from './bundle-breakdown';
import { formCache } from './form-cache';
import { relayThroughput } from './relay-throughput';

const BUNDLE = 'dist/socialboards-ticket.js';

if (spawnSync('npm', ['run', '-s', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] }).status !== 0) process.exit(1);
const { parts, raw, gzip } = bundleBreakdown(BUNDLE);
console.log(`\n${BUNDLE}: ${raw} B raw, ${gzip} B gzip (ceiling 25600, aim 22528)`);
console.log('part (each gzipped alone)                         raw B   gzip B');
for (const part of parts) console.log(`  ${part.source.padEnd(46)} ${String(part.raw).padStart(7)} ${String(part.gzip).padStart(8)}`);

const result = await relayThroughput();
const perTicket = (ms: number) => (ms / result.count).toFixed(2);
console.log(`\nrelay overhead: ${result.count} tickets, ${result.concurrency} at a time, loopback`);
console.log(`  straight to fake Socialboards  ${perTicket(result.directMs)} ms/ticket`);
console.log(`  through the relay              ${perTicket(result.relayMs)} ms/ticket  (ratio ${(result.relayMs / result.directMs).toFixed(2)}× direct)`);
console.log(`  idempotent replay              ${perTicket(result.replayMs)} ms/ticket  (ratio ${(result.replayMs / result.relayMs).toFixed(2)}× a creation)`);
console.log(`  tickets the fake holds: ${result.ticketsStored} (expected ${2 * (40 + result.count)}: replays created none)`);
const perSecond = (ms: number) => ((result.count * 1000) / ms).toFixed(0);
console.log(`\nidempotency store: ${result.count} creations through each relay, ${result.concurrency} at a time, in alternating halves`);
console.log(`  SQLite file (the default)  ${perTicket(result.stores.sqliteMs)} ms/ticket  ${perSecond(result.stores.sqliteMs)} tickets/s`);
console.log(`  memory (tests only)        ${perTicket(result.stores.memoryMs)} ms/ticket  ${perSecond(result.stores.memoryMs)} tickets/s`);
console.log(`  throughput with SQLite: ${(result.stores.memoryMs / result.stores.sqliteMs).toFixed(2)}× the memory store's`);

const form = await formCache();
const perCall = (ms: number) => (ms / form.count).toFixed(2);
console.log(`\nform definition: ${form.count} requests one after another, loopback`);
console.log(`  both lists straight from the fake  ${perCall(form.uncachedMs)} ms/request`);
console.log(`  GET /form from the relay's cache   ${perCall(form.cachedMs)} ms/request  (ratio ${(form.cachedMs / form.uncachedMs).toFixed(2)}× uncached)`);
console.log(`  revalidated with If-None-Match     ${perCall(form.revalidatedMs)} ms/request  (ratio ${(form.revalidatedMs / form.uncachedMs).toFixed(2)}× uncached, 304)`);
console.log(`  custom field list calls the relay made upstream: ${form.upstreamCalls - form.count} (the bench made ${form.count} itself)`);
