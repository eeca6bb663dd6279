/** Rate-limit middleware: a request goes ahead only while its client, and its origin, are within their limits. */
import type { Context, MiddlewareHandler } from 'hono';
import { errorResponse } from '../error-response';
import { consumeInTurn } from '../limits/rate-limits';
import type { Allowance, LimitStep, RateLimiter } from '../limits/rate-limits';
import type { RelayEnv } from '../relay-env';

/** The key an origin's limit counts under: requests without an Origin (scripts, servers) share one. */
export const originKey = <E extends RelayEnv>(c: Context<E>) => c.req.header('Origin') ?? '(no origin)';

/** Answers 429 `rate_limited` with a truthful Retry-After. */
export const rateLimited = <E extends RelayEnv>(c: Context<E>, retryAfterSeconds: number, message?: string) =>
  errorResponse(c, 'rate_limited', {
    headers: { 'Retry-After': String(retryAfterSeconds) },
    ...(message === undefined ? {} : { message }),
  });

/**
 * Takes one point from the client's limit, and only if that allows the request, one from its
 * origin's: a client already refused spends nothing of its site's allowance, so one address
 * cannot use up a whole site's limit by knocking on. The first refusal answers.
 */
export function checkLimits<E extends RelayEnv>(c: Context<E>, { perClient, perOrigin }: { perClient?: RateLimiter; perOrigin?: RateLimiter }): Promise<Allowance> {
  const steps: LimitStep[] = [];
  if (perClient !== undefined) steps.push({ limiter: perClient, key: c.get('client').key });
  if (perOrigin !== undefined) steps.push({ limiter: perOrigin, key: originKey(c) });
  return consumeInTurn(steps);
}

/** Middleware form of `checkLimits`, for routes where every request counts. */
export const rateLimit =
  (limits: { perClient?: RateLimiter; perOrigin?: RateLimiter }): MiddlewareHandler<RelayEnv> =>
  async (c, next) => {
    const allowance = await checkLimits(c, limits);
    if (!allowance.ok) return rateLimited(c, allowance.error.retryAfterSeconds);
    await next();
  };
