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

/**
 * What a page's Content-Security-Policy must allow for each challenge provider, as the providers
 * document it (docs/spam.md). ALTCHA needs nothing: the widget solves it and talks only to the relay.
 */
const CHALLENGE_CSP: Record<string, { script: string; frame: string; style?: string; connect?: string }> = {
  // https://developers.cloudflare.com/turnstile/reference/content-security-policy/
  turnstile: { script: 'https://challenges.cloudflare.com', frame: 'https://challenges.cloudflare.com' },
  // https://docs.hcaptcha.com/#content-security-policy-settings
  hcaptcha: {
    script: 'https://hcaptcha.com https://*.hcaptcha.com',
    frame: 'https://hcaptcha.com https://*.hcaptcha.com',
    style: 'https://hcaptcha.com https://*.hcaptcha.com',
    connect: 'https://hcaptcha.com https://*.hcaptcha.com',
  },
};

/** Values filled into HTML pages; read on every request, so they may be set after the server starts. */
export interface PageVars {
  relayUrl: string;
  /** The fake Socialboards, whose received tickets the page lists; empty when relaying to the real API. */
  socialboardsUrl: string;
  /** The relay's RELAY_CHALLENGE, so the page's CSP allows that provider and no other. */
  challenge?: string;
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
  const csp = () => {
    const provider = CHALLENGE_CSP[vars.challenge ?? ''];
    const plus = (sources?: string) => (sources ? ` ${sources}` : '');
    return [
      "default-src 'self'",
      `script-src 'self'${plus(provider?.script)}`,
      `style-src 'self'${plus(provider?.style)}`,
      `connect-src 'self' ${vars.relayUrl} ${vars.socialboardsUrl}`.trim() + plus(provider?.connect),
      ...(provider ? [`frame-src ${provider.frame}`] : []),
      "img-src 'self' data:",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; ');
  };

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
