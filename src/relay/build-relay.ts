/**
 * The relay application: middleware and routes composed on standard Request/Response, with no server
 * attached and no store chosen. `app.ts` gives it Node's stores (SQLite, Redis, disk); `workers.ts` the
 * Workers' ones, so that nothing Node-only is imported here.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { Redis } from 'ioredis';
import { createAttachmentClaims } from './attachments/claim-attachments';
import { fileUrl } from './attachments/file-url';
import { leaseMs } from './attachments/lifecycle';
import { createPendingBytes } from './attachments/pending-bytes';
import type { AttachmentStorage } from './attachments/storage';
import type { RelayConfig } from './config';
import { errorResponse } from './error-response';
import { createClientHasher } from './client/client-address';
import { createFormSource } from './form/form-source';
import { createLimiterFactory } from './limits/rate-limits';
import type { LimiterFactory } from './limits/rate-limits';
import { createIdentityVerifier } from './identity/verify-identity';
import { createLogger } from './log';
import type { Logger } from './log';
import { identifyClient } from './middleware/client';
import { clientConcurrency } from './middleware/client-concurrency';
import { corsHeaders, originGuard } from './middleware/cors';
import { rateLimit } from './middleware/rate-limit';
import { requestLog } from './middleware/request-log';
import type { RelayEnv } from './relay-env';
import { attachmentsRoute } from './routes/attachments';
import { challengeRoute } from './routes/challenge';
import { filesRoute } from './routes/files';
import { formRoute } from './routes/form';
import { healthzRoute } from './routes/healthz';
import { ticketsRoute } from './routes/tickets';
import { deliverTicket } from './outbox/deliver-ticket';
import type { Deliver, OutboxStore, OutboxWorker } from './outbox/outbox-store';
import { queuedFiles } from './outbox/queued-files';
import { settleUnresolved, settleUnresolvedEvery } from './outbox/settle-unresolved';
import type { IdempotencyStore } from './stores/idempotency-store';
import { createSocialboardsClient } from './upstream/socialboards-client';
import type { UpstreamFetch } from './upstream/upstream-fetch';
import { guardUpstream } from './upstream/upstream-guard';
import { createChallenge } from './spam/challenge';
import { createReplayStore } from './spam/replay-store';
import type { ReplayStore } from './spam/replay-store';

/** What the relay takes from outside; tests replace any of it. */
export interface RelayDeps {
  /** Used for every Socialboards call. */
  fetch?: UpstreamFetch;
  /** Clock in milliseconds, for token expiry, idempotency and form cache TTLs, and durations. */
  now?: () => number;
  log?: Logger;
  /**
   * Defaults to the store the config names (Redis with REDIS_URL, else the SQLite file
   * RELAY_STORE_PATH), opened here and never closed: `startRelay` opens one itself and closes it on
   * shutdown. Unit tests pass a memory store, so that nothing is written into the repository.
   */
  idempotencyStore?: IdempotencyStore;
  /** Defaults to the storage RELAY_ATTACHMENTS names (none when it is `off`). */
  attachmentStorage?: AttachmentStorage;
  /**
   * The relay's public base URL when RELAY_PUBLIC_URL is unset; `startRelay` passes its listening
   * address. Without either, `http://RELAY_HOST:RELAY_PORT`.
   */
  publicUrl?: () => string;
  /**
   * Socialboards runs on this machine (the demo's fake), so links at a loopback address reach it:
   * `startRelay` then does not warn about them.
   */
  upstreamIsLocal?: boolean;
  /** Counters shared by every relay instance (REDIS_URL); `startRelay` connects it. None: this process only. */
  redis?: Redis;
  /** Where rate limits count, instead of `redis` or this process (the Workers adapter: Durable Objects). */
  limiterFactory?: LimiterFactory;
  /** The socket's remote address; `startRelay` reads it from Node's request. None: every client is `unknown`. */
  socketAddress?: (c: Context<RelayEnv>) => string | undefined;
  /** Remembers used challenge tokens; defaults to one in memory (see docs/spam.md for several instances). */
  replayStore?: ReplayStore;
  /** For the challenge provider's siteverify endpoint; defaults to the global fetch. */
  challengeFetch?: typeof fetch;
  /**
   * Where queued tickets live (RELAY_OUTBOX). Defaults to the outbox in the idempotency store's
   * place (a table in RELAY_STORE_PATH, or BullMQ on REDIS_URL), opened here and never closed:
   * `startRelay` opens one itself. A test that passes its own `idempotencyStore` and no outbox gets
   * none (failures are answered as they were before the outbox), so nothing is written into the repository.
   */
  outbox?: OutboxStore;
}

/** Where the relay keeps state when `RelayDeps` does not say: each runtime's adapter gives its own. */
export interface RelayDefaults {
  /** The store the config names; opened here and never closed. */
  idempotencyStore(config: RelayConfig, deps: { now: () => number; log: Logger }): IdempotencyStore;
  /** The outbox the config names (only asked when RELAY_OUTBOX is on and no store was passed). */
  outbox(config: RelayConfig, deps: { now: () => number; log: Logger }): OutboxStore | undefined;
  /** The attachment storage the config names (only asked when RELAY_ATTACHMENTS is not `off`). */
  attachmentStorage(config: RelayConfig): AttachmentStorage | undefined;
  /** How Socialboards is called when `RelayDeps.fetch` is not given. */
  upstreamFetch(): UpstreamFetch;
  /**
   * Whether the relay counts the requests open in its process (RELAY_MAX_REQUESTS_PER_CLIENT,
   * RELAY_TICKET_CONCURRENCY). Not on Workers: there a request's code is cancelled when its
   * visitor leaves, so a count it raised would never come down again.
   */
  countsOpenRequests: boolean;
}

/** The relay app, and how to start the outbox's worker on the same Socialboards client. */
export interface Relay {
  app: Hono<RelayEnv>;
  /** The outbox the app queues into; undefined without one (RELAY_OUTBOX=false). */
  outbox: OutboxStore | undefined;
  /** One delivery attempt of a queued ticket, on the app's client and stores (what a worker runs; the Workers outbox's alarm too). */
  deliver: Deliver;
  /** Starts delivering queued tickets in this process; undefined without an outbox. */
  startOutboxWorker(): OutboxWorker | undefined;
  /**
   * One pass over Idempotency-Keys left unresolved with no outbox entry (settle-unresolved.ts),
   * resolving with how many it settled; what the outbox worker runs on a timer, for runtimes with
   * no timers between requests (a Worker's Cron Trigger). 0 without an outbox.
   */
  settleUnresolvedOnce(): Promise<number>;
}

/** Builds the app and its outbox worker from a parsed config, on the runtime's `defaults`. */
export function buildRelayOn(defaults: RelayDefaults, config: RelayConfig, deps: RelayDeps = {}): Relay {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? createLogger({ level: config.logLevel, now });
  // A call lasts at most its time limit: one twice as old was cancelled without ending (Workers).
  const upstreamFetch = guardUpstream(deps.fetch ?? defaults.upstreamFetch(), { ...config.upstreamGuard, lostAfterMs: 2 * config.socialboards.timeoutMs, log, now });
  const client = createSocialboardsClient(config.socialboards, { fetch: upstreamFetch, now, log });
  const store = deps.idempotencyStore ?? defaults.idempotencyStore(config, { now, log });
  const { submissionKeyField } = config.idempotency;
  const outbox = !config.outbox.enabled
    ? undefined
    : (deps.outbox ?? (deps.idempotencyStore === undefined ? defaults.outbox(config, { now, log }) : undefined));
  const { timeoutMs } = config.socialboards;
  const ttlSeconds = config.form.cacheTtlSeconds;
  const { policy: attachmentPolicy, rules, lifetimes } = config.attachments;
  const storage = config.attachments.storage === 'off' ? undefined : (deps.attachmentStorage ?? defaults.attachmentStorage(config));
  const challenge =
    config.spam.challenge &&
    createChallenge(config.spam.challenge, {
      allowedOrigins: config.allowedOrigins,
      replays: deps.replayStore ?? createReplayStore({ now, ...(deps.redis === undefined ? {} : { redis: deps.redis }) }),
      now,
      ...(deps.challengeFetch === undefined ? {} : { fetch: deps.challengeFetch }),
    });
  const form = createFormSource({
    config: config.form.config,
    ttlSeconds,
    client,
    now,
    log,
    attachments: storage === undefined ? null : attachmentPolicy,
    challenge: challenge?.form ?? null,
  });
  const publicUrl = () => config.attachments.publicUrl ?? deps.publicUrl?.() ?? `http://${urlHost(config.host)}:${config.port}`;
  const lease = leaseMs(config.socialboards.timeoutMs);
  // An upload counts until a ticket takes it, or until the sweep may delete it.
  const pending = createPendingBytes({
    maxBytes: config.maxPendingUploadBytes,
    maxBytesPerClient: config.limits.uploads.pendingBytesPerClient,
    maxBytesPerNetwork: config.limits.uploads.pendingBytesPerNetwork,
    holdMs: lifetimes.orphanMs + lease,
    now,
  });
  const ticketAttachments =
    storage === undefined
      ? undefined
      : {
          claims: createAttachmentClaims({
            storage,
            lifetimes,
            maxFiles: attachmentPolicy.maxFiles,
            maxTotalBytes: attachmentPolicy.maxTotalBytes,
            leaseMs: lease,
            now,
          }),
          fileUrl: (key: string, name: string) => fileUrl(publicUrl(), key, name),
          maxTotalBytes: attachmentPolicy.maxTotalBytes,
          pending,
        };

  const { clients, rates } = config.limits;
  const limiter = deps.limiterFactory ?? createLimiterFactory({ redis: deps.redis, log });
  const limits = {
    requests: limiter('requests', rates.requests),
    files: limiter('files', rates.files),
    tickets: { perClient: limiter('tickets', rates.tickets), perOrigin: limiter('tickets-origin', rates.ticketsPerOrigin) },
    uploads: { perClient: limiter('uploads', rates.uploads), perOrigin: limiter('uploads-origin', rates.uploadsPerOrigin) },
    form: { perClient: limiter('form', rates.form), perOrigin: limiter('form-origin', rates.formPerOrigin) },
    uploadBytes: limiter('upload-bytes', [{ points: config.limits.uploads.dailyBytesPerClient, seconds: 86_400 }]),
  };

  const app = new Hono<RelayEnv>();
  // A silent logger (RELAY_LOG=silent) would write no line: none is built.
  if (log.silent !== true) app.use(requestLog({ log, now }));
  app.use(identifyClient({ ...clients, socketAddress: deps.socketAddress ?? (() => undefined), logId: createClientHasher(clients.logKey) }));
  // Every request counts against its client's limit before anything else runs, refused origins and
  // unknown paths included; file downloads (Socialboards and agents fetch many) have their own.
  const requestLimit = rateLimit({ perClient: limits.requests });
  const fileLimit = rateLimit({ perClient: limits.files });
  app.use(async (c, next) => {
    if (c.req.path === '/healthz') return next();
    return (c.req.path.startsWith('/files/') ? fileLimit : requestLimit)(c, next);
  });
  // Before the origin check: Socialboards fetches files from its servers, and agents open them anywhere.
  if (storage !== undefined) app.route('/', filesRoute({ storage, lifetimes, now }));
  app.use(originGuard({ allowedOrigins: config.allowedOrigins }), corsHeaders({ allowedOrigins: config.allowedOrigins }));
  app.route('/', healthzRoute({ outbox }));
  // Every route a visitor's browser calls: a cap on what one client holds open (in this process: not on Workers).
  const openRequests = clientConcurrency({ max: clients.maxRequestsInFlight });
  if (defaults.countsOpenRequests) for (const path of ['/tickets', '/form', '/challenge', '/attachments', '/attachments/*']) app.use(path, openRequests);
  // A page view fetches the form and, with ALTCHA, a challenge or two: both count as form loads.
  app.get('/form', rateLimit(limits.form));
  app.get('/challenge', rateLimit(limits.form));
  app.post('/attachments', rateLimit(limits.uploads));
  app.post('/attachments/uploads', rateLimit(limits.uploads));
  app.route('/', formRoute({ form, ttlSeconds }));
  if (challenge?.issue) app.route('/', challengeRoute({ issue: challenge.issue }));
  if (storage !== undefined) app.route('/', attachmentsRoute({ storage, policy: attachmentPolicy, rules, pending, dailyBytes: limits.uploadBytes, now, log }));
  app.route(
    '/',
    ticketsRoute({
      pinned: config.pinned,
      maxBodyBytes: config.maxBodyBytes,
      client,
      store,
      // A request holds its staged ticket while it may run: its upstream calls (a lookup included) and the key's lease.
      outbox: outbox && { store: outbox, holdMs: 4 * timeoutMs + config.upstreamGuard.queueMs + config.idempotency.leaseSeconds * 1000 },
      // After an ambiguous call, Socialboards gets as long again as the relay waited for it before the lookup.
      submissionKey: submissionKeyField === null ? null : { fieldId: submissionKeyField, checkDelayMs: timeoutMs },
      // What a holder's upstream calls may take: a token call and a ticket call, after a wait for a slot.
      maxWaitMs: 2 * timeoutMs + config.upstreamGuard.queueMs,
      concurrency: defaults.countsOpenRequests ? { max: config.ticketWork.concurrency, queueMs: config.ticketWork.queueMs } : undefined,
      now,
      form,
      attachments: ticketAttachments,
      limits: limits.tickets,
      identity: {
        verify: createIdentityVerifier(config.identity, now),
        required: config.identity.required,
        tag: config.identity.tag,
      },
      spam: config.spam,
      challenge,
      log,
    }),
  );
  app.notFound((c) => errorResponse(c, 'not_found'));
  app.onError((error, c) => {
    log.error('unhandled error', { stack: error instanceof Error ? error.stack : String(error) });
    return errorResponse(c, 'internal');
  });
  const deliver = deliverTicket({
    client,
    store,
    submissionKeyField,
    files: storage === undefined ? undefined : queuedFiles(storage, now),
    now,
    log,
  });
  const everyMs = UNRESOLVED_EVERY_POLLS * config.outbox.pollMs;
  const settling = outbox && { store, outbox, client, submissionKeyField, lookupDelayMs: timeoutMs, recheckMs: 10 * everyMs, now, log };
  const settleOnce = settling && settleUnresolved(settling);
  return {
    app,
    outbox,
    deliver,
    settleUnresolvedOnce: async () => (settleOnce === undefined ? 0 : settleOnce()),
    startOutboxWorker: () => {
      if (outbox === undefined || settling === undefined) return undefined;
      const worker = outbox.startWorker({ deliver, concurrency: config.outbox.concurrency, log });
      const stopSettling = settleUnresolvedEvery({ ...settling, everyMs });
      return {
        stop: async () => {
          await Promise.all([stopSettling(), worker.stop()]);
        },
      };
    },
  };
}

/** Unresolved keys are looked at every this many outbox polls (50 s by default). */
const UNRESOLVED_EVERY_POLLS = 50;

/** A host as it goes in a URL: IPv6 literals in brackets. */
export const urlHost = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
