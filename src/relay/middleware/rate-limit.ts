/** Rate-limit middleware: a request goes ahead only while its client, and its origin, are within their limits. */
import type { Context, MiddlewareHandler } from 'hono';
import { errorResponse } from '../error-response';
import type { Allowance, RateLimiter } from '../limits/rate-limits';
import type { RelayEnv } from '../relay-env';
import { ok } from '../../shared/result';

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
export async function checkLimits<E extends RelayEnv>(c: Context<E>, limits: { perClient?: RateLimiter; perOrigin?: RateLimiter }): Promise<Allowance> {
  const client = (await limits.perClient?.consume(c.get('client').key)) ?? ok(undefined);
  if (!client.ok) return client;
  return (await limits.perOrigin?.consume(originKey(c))) ?? ok(undefined);
}

/** Middleware form of `checkLimits`, for routes where every request counts. */
export const rateLimit =
  (limits: { perClient?: RateLimiter; perOrigin?: RateLimiter }): MiddlewareHandler<RelayEnv> =>
  async (c, next) => {
    const allowance = await checkLimits(c, limits);
    if (!allowance.ok) return rateLimited(c, allowance.error.retryAfterSeconds);
    await next();
  };
