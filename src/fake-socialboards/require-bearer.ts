/** Middleware that lets a resource request through only with a valid `Authorization: Bearer` token. */
import type { MiddlewareHandler } from 'hono';
import type { AccessTokens } from './access-tokens';
import { FAKE_ERROR_CODES, failure } from './envelope';

/**
 * Answers 401 `{data:null, errorCode:401, errorText:"Unauthorized"}` when the token is missing, foreign,
 * expired or revoked. The docs do not say how Socialboards refuses a bad token (docs/socialboards-api.md §3:
 * error model UNKNOWN); the status and the code are ASSUMED.
 */
export function requireBearer(tokens: AccessTokens): MiddlewareHandler {
  return async (c, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    if (!match?.[1] || !tokens.isValid(match[1])) {
      return c.json(failure(FAKE_ERROR_CODES.unauthorized, 'Unauthorized'), 401);
    }
    await next();
  };
}
