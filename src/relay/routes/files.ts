/**
 * `GET /files/<key>/<name>`: the files tickets link to. Public (Socialboards fetches them from its
 * servers, without an Origin), so no CORS check; served as downloads that no browser renders or
 * runs. Only files a ticket has taken are served, and only until their retention ends.
 */
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { isServed } from '../attachments/lifecycle';
import type { Lifetimes } from '../attachments/lifecycle';
import { contentDisposition, FILES_PATH } from '../attachments/file-url';
import { KEY_PATTERN } from '../attachments/reference';
import type { AttachmentStorage } from '../attachments/storage';
import { errorResponse } from '../error-response';
import type { RelayEnv } from '../relay-env';

export interface FilesRouteOptions {
  storage: AttachmentStorage;
  lifetimes: Lifetimes;
  now: () => number;
}

/** Headers that keep a file inert wherever it is opened: a download, never sniffed, sandboxed, no subresources. */
const INERT = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; sandbox",
  // Socialboards, or an agent's browser on Socialboards' pages, fetches it from another origin.
  'Cross-Origin-Resource-Policy': 'cross-origin',
  'Referrer-Policy': 'no-referrer',
};

export function filesRoute({ storage, lifetimes, now }: FilesRouteOptions): Hono<RelayEnv> {
  return new Hono<RelayEnv>().get(`${FILES_PATH}/:key/:name`, async (c) => {
    const key = c.req.param('key');
    const meta = KEY_PATTERN.test(key) ? await storage.getMeta(key) : undefined;
    if (meta === undefined || !isServed(meta, now(), lifetimes)) return errorResponse(c, 'not_found');
    const download = await storage.download(key, meta);
    if (download === undefined) return errorResponse(c, 'not_found');
    if ('redirect' in download) {
      // A fresh signature on every visit, so a ticket's link outlives any one signed URL.
      return c.body(null, 302, { Location: download.redirect, 'Cache-Control': 'no-store', ...INERT });
    }
    const type = meta.type.startsWith('text/') ? `${meta.type}; charset=utf-8` : meta.type;
    return c.body(Readable.toWeb(download.stream) as ReadableStream<Uint8Array>, 200, {
      'Content-Type': type,
      'Content-Length': String(meta.size),
      'Content-Disposition': contentDisposition(meta.name),
      'Cache-Control': 'private, max-age=3600',
      ...INERT,
    });
  });
}
