/**
 * Serves the demo page (index.html), the built widget (dist/) and public/ over plain node:http,
 * under a strict Content-Security-Policy so the demo also proves the widget needs no 'unsafe-inline'.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** Values filled into HTML pages; read on every request, so they may be set after the server starts. */
export interface PageVars {
  relayUrl: string;
  /** The fake Socialboards, whose received tickets the page lists; empty when relaying to the real API. */
  socialboardsUrl: string;
}

export interface PageServerOptions {
  /** The repo root: `index.html` is served from here at `/`. */
  root: string;
  /** Folders searched, in order, for every other path (default: dist/ and public/ under root). */
  dirs?: string[];
  vars: PageVars;
  port?: number;
  host?: string;
}

/** Starts the page server; HTML pages get `%RELAY_URL%` and `%SOCIALBOARDS_URL%` filled in. */
export async function startPageServer(options: PageServerOptions): Promise<{ url: string; close(): Promise<void> }> {
  const { root, vars, port = 0, host = '127.0.0.1' } = options;
  const dirs = options.dirs ?? [join(root, 'dist'), join(root, 'public')];
  const csp = () =>
    [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      `connect-src 'self' ${vars.relayUrl} ${vars.socialboardsUrl}`.trim(),
      "img-src 'self' data:",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; ');

  const server: Server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://page').pathname;
    const file = path === '/' ? 'index.html' : normalize(path).replace(/^([/\\])+/, '');
    // index.html sits at the repo root; everything else comes from the listed folders only.
    const candidates = file === 'index.html' ? [join(root, 'index.html')] : dirs.map((dir) => join(dir, file));
    for (const candidate of candidates) {
      if (file.includes('..')) break;
      try {
        let body: Buffer | string = await readFile(candidate);
        if (extname(candidate) === '.html') {
          body = body
            .toString('utf8')
            .replaceAll('%RELAY_URL%', vars.relayUrl)
            .replaceAll('%SOCIALBOARDS_URL%', vars.socialboardsUrl);
        }
        response.writeHead(200, {
          'Content-Type': TYPES[extname(candidate)] ?? 'application/octet-stream',
          'Content-Security-Policy': csp(),
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
        });
        response.end(body);
        return;
      } catch {
        // try the next folder
      }
    }
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end('Not found');
  });

  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
