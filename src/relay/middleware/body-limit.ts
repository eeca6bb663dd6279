/** Body size cap: a 413 `payload_too_large` before the relay buffers more than it will ever accept. */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import { errorResponse } from '../error-response';
import type { RelayEnv } from '../relay-env';

export interface BodyLimitOptions {
  maxBytes: number;
}

/**
 * Hono's bodyLimit refuses a declared Content-Length over the cap at once, and counts the bytes
 * of a body sent without one (chunked) as they stream in, stopping at the cap. A Content-Length
 * that understates the body cannot smuggle more in: the HTTP server reads exactly that many bytes.
 */
export const bodyLimit = ({ maxBytes }: BodyLimitOptions): MiddlewareHandler<RelayEnv> =>
  honoBodyLimit({ maxSize: maxBytes, onError: (c) => errorResponse(c, 'payload_too_large') });
