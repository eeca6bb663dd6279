/**
 * A local stand-in for Turnstile's and hCaptcha's siteverify endpoints, on 127.0.0.1, answering as
 * their documentation describes: form-encoded `secret`, `response` (and hCaptcha's `sitekey`), a JSON
 * answer with `success`, `hostname`, `action` (Turnstile) and `error-codes`, and a refusal of a token
 * used twice. Tokens are issued by the test, as the provider's browser script would issue them.
 *   Turnstile: https://developers.cloudflare.com/turnstile/get-started/server-side-validation/
 *   hCaptcha:  https://docs.hcaptcha.com/#verify-the-user-response-server-side
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInOptions {
  provider: 'turnstile' | 'hcaptcha';
  secret: string;
  siteKey: string;
  /** Answer a used token again as if new: proves the relay's own single-use store. */
  forgetsUsedTokens?: boolean;
}

export interface SolvedToken {
  hostname: string;
  /** Turnstile only: the action the page rendered the widget with. */
  action?: string;
  /** hCaptcha only: the site key the token was solved for (default: the configured one). */
  siteKey?: string;
}

export interface SiteverifyStandIn {
  url: string;
  /** Makes `token` a valid, unused token, as solving the widget would. */
  issue(token: string, solved: SolvedToken): void;
  /** Every request body received, as fields. */
  requests: Record<string, string>[];
  /** Answer every request with this HTTP status instead (an outage). */
  failWith(status: number | undefined): void;
  close(): Promise<void>;
}

const DUPLICATE = { turnstile: 'timeout-or-duplicate', hcaptcha: 'invalid-or-already-seen-response' } as const;

export async function startSiteverifyStandIn(options: StandInOptions): Promise<SiteverifyStandIn> {
  const tokens = new Map<string, SolvedToken>();
  const used = new Set<string>();
  const requests: Record<string, string>[] = [];
  let outage: number | undefined;

  const answer = (fields: Record<string, string>): Record<string, unknown> => {
    const refuse = (code: string) => ({ success: false, 'error-codes': [code] });
    if (!fields.secret) return refuse('missing-input-secret');
    if (fields.secret !== options.secret) return refuse('invalid-input-secret');
    if (!fields.response) return refuse('missing-input-response');
    const solved = tokens.get(fields.response);
    if (solved === undefined) return refuse('invalid-input-response');
    if (used.has(fields.response) && !options.forgetsUsedTokens) return refuse(DUPLICATE[options.provider]);
    used.add(fields.response);
    const challengeTs = new Date().toISOString();
    if (options.provider === 'hcaptcha') {
      if (fields.sitekey !== undefined && fields.sitekey !== (solved.siteKey ?? options.siteKey)) return refuse('sitekey-secret-mismatch');
      return { success: true, challenge_ts: challengeTs, hostname: solved.hostname, credit: false, 'error-codes': [] };
    }
    return { success: true, challenge_ts: challengeTs, hostname: solved.hostname, 'error-codes': [], action: solved.action ?? '', cdata: '' };
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const type = request.headers['content-type'] ?? '';
      // Turnstile takes JSON too; hCaptcha only a form.
      const fields =
        type.startsWith('application/json') && options.provider === 'turnstile'
          ? (JSON.parse(text) as Record<string, string>)
          : Object.fromEntries(new URLSearchParams(text));
      requests.push(fields);
      if (outage !== undefined) {
        response.writeHead(outage).end();
        return;
      }
      if (request.method !== 'POST') {
        response.writeHead(405).end();
        return;
      }
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer(fields)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/siteverify`,
    issue: (token, solved) => void tokens.set(token, solved),
    requests,
    failWith: (status) => void (outage = status),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
