/** The fault queue: reads a fault request of the test API and picks the fault, if any, for a request. */
import * as v from 'valibot';

/** Faults that wait in the queue; `expire-token` acts at once and is never queued. */
export type QueuedFaultKind = 'error' | 'timeout' | 'slow' | 'malformed' | 'refuse';

/** The endpoints a fault may target. Without a `path`, a fault targets the resource endpoints. */
export const FAULT_PATHS = ['/token', '/tickets', '/tickets/list', '/customfields', '/categories'] as const;
export type FaultPath = (typeof FAULT_PATHS)[number];
const RESOURCE_PATHS: ReadonlySet<string> = new Set<FaultPath>(['/tickets', '/tickets/list', '/customfields', '/categories']);

/** A `timeout` never holds a request longer than this, and `slow` never waits longer. */
export const MAX_HOLD_MS = 10 * 60 * 1000;
/** How long `slow` waits when the fault names no `delayMs`. */
export const DEFAULT_SLOW_MS = 2000;

/** A fault waiting for requests. */
export interface QueuedFault {
  kind: QueuedFaultKind;
  /** Matching requests this fault still looks at; `null` = until cleared. */
  remaining: number | null;
  /** Chance that a request it looks at is hit. */
  rate: number;
  delayMs: number;
  path: FaultPath | null;
  /** For `error` and `timeout`: the request is processed (a ticket created) before the fault answers. */
  processed: boolean;
}

const keyMessage = (issue: v.StrictObjectIssue) =>
  issue.expected === 'never' ? 'is not a fault option' : 'is required';

/** The JSON body of `POST /__fake/faults`. */
export const FaultRequest = v.pipe(
  v.custom<Record<string, unknown>>(
    (input) => typeof input === 'object' && input !== null && !Array.isArray(input),
    'must be a JSON object',
  ),
  v.strictObject(
    {
      kind: v.picklist(
        ['error', 'timeout', 'slow', 'malformed', 'refuse', 'expire-token'],
        'must be error, timeout, slow, malformed, refuse or expire-token',
      ),
      count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
      rate: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
      delayMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_HOLD_MS))),
      path: v.optional(v.picklist(FAULT_PATHS)),
      processed: v.optional(v.boolean()),
    },
    keyMessage,
  ),
);
export type FaultRequest = v.InferOutput<typeof FaultRequest>;

const OPTION_RULES: Record<string, string> = {
  count: 'must be an integer of at least 1',
  rate: 'must be a number from 0 to 1',
  delayMs: `must be an integer from 0 to ${MAX_HOLD_MS}`,
  path: `must be one of ${FAULT_PATHS.join(', ')}`,
  processed: 'must be true or false',
};

/** Reads a fault request: the request, or a text naming the first bad key. */
export function readFaultRequest(body: unknown): { ok: true; fault: FaultRequest } | { ok: false; error: string } {
  const result = v.safeParse(FaultRequest, body);
  if (result.success) {
    const { kind, processed } = result.output;
    if (processed === true && kind !== 'error' && kind !== 'timeout') return { ok: false, error: 'processed: only for error and timeout' };
    return { ok: true, fault: result.output };
  }
  const [issue] = result.issues;
  const key = issue.path?.map((item) => String(item.key)).join('.') ?? '';
  if (!key) return { ok: false, error: `body: ${issue.message}` };
  // Key problems (missing, unknown) carry their own message; a bad value gets the rule of its option.
  const rule = issue.type === 'strict_object' ? issue.message : (OPTION_RULES[key] ?? issue.message);
  return { ok: false, error: `${key}: ${rule}` };
}

/**
 * Turns a fault request into a queued fault. Without `count` and `rate` it hits the next matching
 * request; with `rate` only it looks at every matching request until cleared; with both it looks at
 * the next `count` matching requests, each hit with probability `rate`.
 */
export function toQueuedFault(fault: FaultRequest & { kind: QueuedFaultKind }): QueuedFault {
  return {
    kind: fault.kind,
    remaining: fault.count ?? (fault.rate === undefined ? 1 : null),
    rate: fault.rate ?? 1,
    delayMs: fault.delayMs ?? DEFAULT_SLOW_MS,
    path: fault.path ?? null,
    processed: fault.processed ?? false,
  };
}

const targets = (fault: QueuedFault, path: string) =>
  fault.path === null ? RESOURCE_PATHS.has(path) : fault.path === path;

/**
 * Picks the fault for a request to `path`. In queue order, each fault that targets the path uses up one
 * of its turns and rolls its dice; the first hit wins. A fault whose turns are used up leaves the queue.
 */
export function takeFault(queue: QueuedFault[], path: string, random: () => number): QueuedFault | undefined {
  // A copy, because a used-up fault leaves the queue during the loop.
  for (const fault of queue.slice()) {
    if (!targets(fault, path)) continue;
    if (fault.remaining !== null) {
      fault.remaining -= 1;
      if (fault.remaining === 0) queue.splice(queue.indexOf(fault), 1);
    }
    if (fault.rate >= 1 || random() < fault.rate) return fault;
  }
  return undefined;
}
