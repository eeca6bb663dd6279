/** Content-Type guard: the relay takes JSON bodies only (415 `unsupported_media_type` otherwise). */
import type { MiddlewareHandler } from 'hono';
import { errorResponse } from '../error-response';
import type { RelayEnv } from '../relay-env';

/**
 * Requiring `application/json` also means every browser call is preflighted: a cross-site form
 * or `text/plain` "simple request" is refused here rather than slipping past CORS.
 */
export const requireJson = (): MiddlewareHandler<RelayEnv> => async (c, next) => {
  const mediaType = c.req.header('Content-Type')?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') return errorResponse(c, 'unsupported_media_type');
  await next();
};
