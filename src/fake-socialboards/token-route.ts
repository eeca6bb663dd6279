/** `POST /token`: trades the refresh token for an access token (Authorization v2, docs/socialboards-api.md §2.1). */
import type { Context } from 'hono';
import type { AccessTokens } from './access-tokens';

/** The credentials the fake accepts and the lifetime of the tokens it mints. */
export interface TokenRouteOptions {
  clientId: string;
  refreshToken: string;
  ttlSeconds: number;
  tokens: AccessTokens;
}

// The error shape of a failed /token call is UNKNOWN (docs/socialboards-api.md §2.1). ASSUMED OAuth 2
// style (RFC 6749 §5.2): HTTP 400 with `error` and `error_description`, not the data/errorCode envelope.
const oauthError = (c: Context, error: 'invalid_request' | 'invalid_grant', description: string) =>
  c.json({ error, error_description: description }, 400);

/** Builds the `/token` handler. */
export function tokenRoute(options: TokenRouteOptions) {
  return async (c: Context) => {
    const contentType = c.req.header('content-type') ?? '';
    if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType)) {
      return oauthError(c, 'invalid_request', 'The body must be application/x-www-form-urlencoded.');
    }
    const form = new URLSearchParams(await c.req.text());
    const missing = ['grant_type', 'refresh_token', 'client_id'].filter((name) => !form.get(name));
    if (missing.length > 0) {
      return oauthError(c, 'invalid_request', `Missing form field(s): ${missing.join(', ')}.`);
    }
    if (form.get('grant_type') !== 'refresh_token') {
      return oauthError(c, 'invalid_grant', 'grant_type must be refresh_token.');
    }
    if (form.get('client_id') !== options.clientId) {
      return oauthError(c, 'invalid_grant', 'Unknown client_id.');
    }
    if (form.get('refresh_token') !== options.refreshToken) {
      return oauthError(c, 'invalid_grant', 'The refresh token is invalid or has been deleted.');
    }
    // Whether Socialboards rotates refresh tokens is UNKNOWN (§2.1); the fake hands back the same one.
    return c.json({
      access_token: options.tokens.mint(),
      token_type: 'bearer',
      // The doc example says 3599 for a token whose exp − nbf is 3600.
      expires_in: options.ttlSeconds - 1,
      refresh_token: options.refreshToken,
    });
  };
}
