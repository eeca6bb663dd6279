/**
 * The shared idempotency store for several relay instances (REDIS_URL): every change is one Lua
 * script, so it is atomic on the Redis server, and a holder's writes compare its holder id first.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { IdempotencyStore, Reservation, StoredResponse } from './idempotency-store';
import { DEFAULT_LEASE_MS, RELEASED_KEEP_MS } from './idempotency-store';
import { unresolvedKey, viewOf } from './key-entry';
import type { KeyEntry } from './key-entry';

export interface RedisIdempotencyStoreOptions {
  redis: Redis;
  /** How long a completed answer is replayed. */
  ttlMs: number;
  /** How long a lease lasts without renewal. */
  leaseMs?: number;
  /** The relay's clock: leases and answers expire by it, so every instance judges them alike. */
  now?: () => number;
  /** Prefix of every Redis key the store writes. */
  prefix?: string;
}

/**
 * Helpers every script shares: the same rules as key-entry.ts (read it first), over a hash with
 * one-letter fields: f fingerprint, s state, h holder, l lease expiry, x sent ('1'), r response
 * JSON, t unresolved since, e forgotten at ('' for never). Times are the relay's milliseconds,
 * passed in; Redis's own expiry only clears entries up a minute after they are forgotten.
 */
const PRELUDE = `
local SLACK_MS = 60000
local function load(key)
  local raw = redis.call('HGETALL', key)
  if #raw == 0 then return nil end
  local e = {}
  for i = 1, #raw, 2 do e[raw[i]] = raw[i + 1] end
  return e
end
local function view(e, now)
  if e == nil then return nil end
  if e.e ~= '' and tonumber(e.e) <= now then return nil end
  if e.s == 'held' and e.x == '1' and tonumber(e.l) <= now then return 'unresolved', tonumber(e.l) end
  if e.s == 'unresolved' then return 'unresolved', tonumber(e.t) end
  return e.s
end
local function mine(e, holder, now)
  return e ~= nil and e.s == 'held' and e.h == holder and (e.e == '' or tonumber(e.e) > now)
end
local function save(key, index, e, now)
  redis.call('HSET', key, 'f', e.f, 's', e.s, 'h', e.h, 'l', e.l, 'x', e.x, 'r', e.r, 't', e.t, 'e', e.e)
  if e.e == '' then redis.call('PERSIST', key)
  else redis.call('PEXPIRE', key, math.floor(math.max(1, tonumber(e.e) - now) + SLACK_MS)) end
  if e.x == '1' and e.s == 'held' then redis.call('ZADD', index, e.l, key)
  elseif e.s == 'unresolved' then redis.call('ZADD', index, e.t, key)
  else redis.call('ZREM', index, key) end
end
`;

/** KEYS: entry, index. ARGV: fingerprint, holder, now, leaseMs, ttlMs, takeUnresolved ('1'). */
const RESERVE = `${PRELUDE}
local now, lease, ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local e = load(KEYS[1])
local state, since = view(e, now)
local function held(sent, from, forgetAt)
  return { f = ARGV[1], s = 'held', h = ARGV[2], l = now + lease, x = sent, r = '', t = from, e = forgetAt }
end
if state == nil or state == 'released' then
  save(KEYS[1], KEYS[2], held('0', 0, now + lease + ttl), now)
  return { 'reserved', now + lease }
end
if e.f ~= ARGV[1] then return { 'conflict' } end
if state == 'done' then return { 'replay', e.r } end
if state == 'held' then
  if tonumber(e.l) > now then return { 'in_flight', e.h } end
  save(KEYS[1], KEYS[2], held('0', 0, now + lease + ttl), now)
  return { 'reserved', now + lease }
end
if ARGV[6] ~= '1' then
  if e.s == 'held' then
    e.s, e.h, e.l, e.x, e.t, e.e = 'unresolved', '', 0, '1', since, ''
    save(KEYS[1], KEYS[2], e, now)
  end
  return { 'unresolved', since }
end
save(KEYS[1], KEYS[2], held('1', since, ''), now)
return { 'reserved', now + lease, since }
`;

/** KEYS: entry, index. ARGV: holder, now, leaseMs, ttlMs. */
const RENEW = `${PRELUDE}
local now = tonumber(ARGV[2])
local e = load(KEYS[1])
if not mine(e, ARGV[1], now) then return 0 end
e.l = now + tonumber(ARGV[3])
if e.x == '1' then e.e = '' else e.e = e.l + tonumber(ARGV[4]) end
save(KEYS[1], KEYS[2], e, now)
return 1
`;

/** KEYS: entry, index. ARGV: holder, now, leaseMs. */
const MARK_SENDING = `${PRELUDE}
local now = tonumber(ARGV[2])
local e = load(KEYS[1])
if not mine(e, ARGV[1], now) then return 0 end
e.x, e.l, e.e = '1', now + tonumber(ARGV[3]), ''
save(KEYS[1], KEYS[2], e, now)
return 1
`;

/** KEYS: entry, index. ARGV: holder, now, ttlMs, response, keep ('1': until replaced). */
const COMPLETE = `${PRELUDE}
local now = tonumber(ARGV[2])
local e = load(KEYS[1])
if not mine(e, ARGV[1], now) then return 0 end
e.s, e.h, e.l, e.r, e.e = 'done', '', 0, ARGV[4], now + tonumber(ARGV[3])
if ARGV[5] == '1' then e.e = '' end
save(KEYS[1], KEYS[2], e, now)
return 1
`;

/** KEYS: entry, index. ARGV: now, ttlMs, response. */
const REPLACE_ANSWER = `${PRELUDE}
local now = tonumber(ARGV[1])
local e = load(KEYS[1])
if view(e, now) ~= 'done' then return 0 end
e.r, e.e = ARGV[3], now + tonumber(ARGV[2])
save(KEYS[1], KEYS[2], e, now)
return 1
`;

/** KEYS: entry, index. ARGV: holder, now, keepMs, response. */
const RELEASE = `${PRELUDE}
local now = tonumber(ARGV[2])
local e = load(KEYS[1])
if not mine(e, ARGV[1], now) then return 0 end
e.s, e.l, e.x, e.r, e.t, e.e = 'released', 0, '0', ARGV[4], 0, now + tonumber(ARGV[3])
save(KEYS[1], KEYS[2], e, now)
return 1
`;

/** KEYS: entry, index. ARGV: holder, now. */
const MARK_UNRESOLVED = `${PRELUDE}
local now = tonumber(ARGV[2])
local e = load(KEYS[1])
if not mine(e, ARGV[1], now) then return 0 end
e.s, e.h, e.l, e.x, e.t, e.e = 'unresolved', '', 0, '1', now, ''
save(KEYS[1], KEYS[2], e, now)
return 1
`;

/** KEYS: entry, index. ARGV: now, ttlMs, response. */
const SETTLE = `${PRELUDE}
local now = tonumber(ARGV[1])
local e = load(KEYS[1])
if view(e, now) ~= 'unresolved' then return 0 end
e.s, e.h, e.l, e.r, e.e = 'done', '', 0, ARGV[3], now + tonumber(ARGV[2])
save(KEYS[1], KEYS[2], e, now)
return 1
`;

const SCRIPTS = {
  relayIdempotencyReserve: RESERVE,
  relayIdempotencyRenew: RENEW,
  relayIdempotencyMarkSending: MARK_SENDING,
  relayIdempotencyComplete: COMPLETE,
  relayIdempotencyRelease: RELEASE,
  relayIdempotencyMarkUnresolved: MARK_UNRESOLVED,
  relayIdempotencySettle: SETTLE,
  relayIdempotencyReplaceAnswer: REPLACE_ANSWER,
} as const;

type ScriptName = keyof typeof SCRIPTS;
type ScriptReply = (string | number)[] | number;

/** The hash as a KeyEntry, for the shared view rules. */
function toEntry(hash: Record<string, string>): KeyEntry | undefined {
  if (hash.s === undefined || hash.f === undefined) return undefined;
  return {
    fingerprint: hash.f,
    state: hash.s as KeyEntry['state'],
    holder: hash.h || null,
    leaseExpiresAt: Number(hash.l),
    sent: hash.x === '1',
    response: hash.r ? (JSON.parse(hash.r) as StoredResponse) : null,
    since: Number(hash.t),
    expiresAt: hash.e ? Number(hash.e) : null,
  };
}

function toReservation(reply: (string | number)[], holder: string): Reservation {
  const [status, first, second] = reply;
  switch (status) {
    case 'reserved':
      return { status, lease: { holder, expiresAt: Number(first) }, ...(second === undefined ? {} : { uncertainSince: Number(second) }) };
    case 'replay':
      return { status, response: JSON.parse(String(first)) as StoredResponse };
    case 'in_flight':
      return { status, holder: String(first) };
    case 'unresolved':
      return { status, since: Number(first) };
    default:
      return { status: 'conflict' };
  }
}

/** Creates the store on a connected client; `close()` leaves the client to its owner. */
export function createRedisIdempotencyStore({
  redis,
  ttlMs,
  leaseMs = DEFAULT_LEASE_MS,
  now = Date.now,
  prefix = 'sbrelay:idempotency:',
}: RedisIdempotencyStoreOptions): IdempotencyStore {
  // defineCommand sends each script once (EVALSHA after that) and adds it as a method.
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 2, lua });
  }
  const index = `${prefix}unresolved`;
  const entryKey = (key: string) => `${prefix}key:${key}`;
  const run = (name: ScriptName, key: string, ...args: (string | number)[]) =>
    (redis as unknown as Record<ScriptName, (...args: (string | number)[]) => Promise<ScriptReply>>)[name](entryKey(key), index, ...args);
  const yes = async (reply: Promise<ScriptReply>) => (await reply) === 1;

  return {
    reserve: async (key, fingerprint, options = {}) => {
      const holder = randomUUID();
      const reply = await run('relayIdempotencyReserve', key, fingerprint, holder, now(), leaseMs, ttlMs, options.takeUnresolved ? '1' : '0');
      return toReservation(reply as (string | number)[], holder);
    },
    lookup: async (key) => viewOf(toEntry(await redis.hgetall(entryKey(key))), now()),
    renew: (key, holder) => yes(run('relayIdempotencyRenew', key, holder, now(), leaseMs, ttlMs)),
    markSending: (key, holder) => yes(run('relayIdempotencyMarkSending', key, holder, now(), leaseMs)),
    complete: (key, holder, response, options = {}) =>
      yes(run('relayIdempotencyComplete', key, holder, now(), ttlMs, JSON.stringify(response), options.keep ? '1' : '0')),
    replaceAnswer: (key, response) => yes(run('relayIdempotencyReplaceAnswer', key, now(), ttlMs, JSON.stringify(response))),
    release: (key, holder, response) => yes(run('relayIdempotencyRelease', key, holder, now(), RELEASED_KEEP_MS, JSON.stringify(response))),
    markUnresolved: (key, holder) => yes(run('relayIdempotencyMarkUnresolved', key, holder, now())),
    listUnresolved: async (limit) => {
      const time = now();
      const keys = await redis.zrangebyscore(index, '-inf', time, 'LIMIT', 0, limit);
      const hashes = await Promise.all(keys.map((member) => redis.hgetall(member)));
      return keys.flatMap((member, i) => {
        const entry = toEntry(hashes[i] ?? {});
        return (entry && unresolvedKey(member.slice(entryKey('').length), entry, time)) ?? [];
      });
    },
    settle: (key, response) => yes(run('relayIdempotencySettle', key, now(), ttlMs, JSON.stringify(response))),
    close: async () => {},
  };
}
