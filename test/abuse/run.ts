/**
 * `npm run abuse`: runs every attack of the abuse suite against fresh relays on 127.0.0.1 and
 * prints what each measured. Bounded and self-stopping; nothing leaves loopback.
 */
import { PRODUCTION_LIMITS, outageAnswers, slowClients, ticketFlood, tokenStorm, uploadAttachRepeat, upstreamPressure } from './attacks';

/** The relay as an operator runs it: production defaults. */
const env: Record<string, string> = { ...PRODUCTION_LIMITS, RELAY_LOG: 'silent' };
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const flood = await ticketFlood(env);
console.log(
  `tickets: ${flood.attempts} attempts from one client in ${flood.seconds.toFixed(1)} s → ${flood.created} created, ${flood.refused} refused (statuses ${JSON.stringify(flood.statuses)}; Retry-After ${flood.retryAfter ?? '-'})`,
);
const storage = await uploadAttachRepeat(env);
console.log(
  `storage: upload→attach→repeat, ${storage.rounds} rounds in ${storage.seconds.toFixed(1)} s → ${storage.uploadsAccepted} uploads, ${storage.ticketsCreated} tickets, ${mb(storage.bytesStored)} stored`,
);
const slow = await slowClients(env);
console.log(
  `slow clients: ${slow.held} stalled uploads held → honest 1 MB upload ${slow.honestUploadMs === undefined ? `failed (status ${slow.honestStatus})` : `took ${slow.honestUploadMs} ms`}; relay dropped ${slow.droppedWithin}/${slow.held} stalled within ${slow.observeMs / 1000} s (longest held ${slow.longestHeldMs} ms)`,
);
const storm = await tokenStorm(env);
console.log(
  `token storm: ${storm.requests} concurrent tickets while /token fails → ${storm.tokenCalls} token calls (statuses ${JSON.stringify(storm.statuses)}; slowest answer ${storm.slowestMs} ms)`,
);
const pressure = await upstreamPressure(env);
console.log(
  `upstream pressure: ${pressure.requests} concurrent tickets, Socialboards slow → peak ${pressure.peakUpstream} concurrent upstream requests, ${pressure.created} created (statuses ${JSON.stringify(pressure.statuses)})`,
);
const outage = await outageAnswers(env);
console.log(
  `outage: ${outage.requests} tickets while Socialboards hangs (3 s upstream limit) → median answer ${outage.medianMs} ms, slowest ${outage.slowestMs} ms (statuses ${JSON.stringify(outage.statuses)})`,
);
