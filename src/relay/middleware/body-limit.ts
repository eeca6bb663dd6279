/** Body size cap: a 413 `payload_too_large` before the relay buffers more than it will ever accept. */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import { errorResponse } from '../error-response';
import type { RelayEnv } from '../relay-env';

export interface BodyLimitOptions {
  maxBytes: number;
}

/**
 * A declared Content-Length over the cap is refused at once, from the header alone; a body sent
 * without one (chunked) goes through Hono's bodyLimit, which counts its bytes as they stream in and
 * stops at the cap. A Content-Length that understates the body cannot smuggle more in: the HTTP
 * server reads exactly that many bytes.
 *
 * The header case does not touch the request's body: Hono's bodyLimit asks for `body` first, which
 * on Node makes @hono/node-server build a full Request and a web stream for it, where reading the
 * body later (`jsonBody`) takes the adapter's direct path instead.
 */
export const bodyLimit = ({ maxBytes }: BodyLimitOptions): MiddlewareHandler<RelayEnv> => {
  const tooLarge = (c: Context<RelayEnv>) => errorResponse(c, 'payload_too_large');
  const streamed = honoBodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return async (c, next) => {
    const declared = c.req.header('Content-Length');
    if (declared === undefined || c.req.header('Transfer-Encoding') !== undefined) return streamed(c, next);
    if (Number.parseInt(declared, 10) > maxBytes) return tooLarge(c);
    await next();
  };
};
