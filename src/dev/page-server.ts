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

export interface PageServerOptions {
  root: string;
  relayUrl: string;
  /** The fake Socialboards, whose received tickets the page lists; absent when relaying to the real API. */
  socialboardsUrl?: string;
  port?: number;
  host?: string;
}

/** Starts the page server; `index.html` gets the relay and Socialboards URLs filled in. */
export async function startPageServer(options: PageServerOptions): Promise<{ url: string; close(): Promise<void> }> {
  const { root, relayUrl, socialboardsUrl = '', port = 0, host = '127.0.0.1' } = options;
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${relayUrl} ${socialboardsUrl}`.trim(),
    "img-src 'self' data:",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

  const server: Server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://page').pathname;
    const file = path === '/' ? 'index.html' : normalize(path).replace(/^([/\\])+/, '');
    // index.html sits at the repo root; everything else comes from dist/ or public/ only.
    const candidates = file === 'index.html' ? [join(root, 'index.html')] : [join(root, 'dist', file), join(root, 'public', file)];
    for (const candidate of candidates) {
      if (file.includes('..')) break;
      try {
        let body: Buffer | string = await readFile(candidate);
        if (file === 'index.html') {
          body = body
            .toString('utf8')
            .replaceAll('%RELAY_URL%', relayUrl)
            .replaceAll('%SOCIALBOARDS_URL%', socialboardsUrl);
        }
        response.writeHead(200, {
          'Content-Type': TYPES[extname(candidate)] ?? 'application/octet-stream',
          'Content-Security-Policy': csp,
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
