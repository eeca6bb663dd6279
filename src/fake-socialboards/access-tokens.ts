/** Mints and checks the fake's access tokens: HS512 JWTs shaped like the one in the docs. */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * The community id the fake's tokens carry in `cid` (a string in the doc example). The value is ours;
 * 15 is the community id in the docs' Widget Schedule example (docs/socialboards-api.md §7).
 */
export const FAKE_COMMUNITY_ID = '15';

/** The claims of the doc example token, decoded (docs/socialboards-api.md §2.1). */
export interface AccessTokenClaims {
  cid: string;
  type: 'Community';
  nbf: number;
  exp: number;
  iss: 'socialboards.com';
  aud: string;
}

/** What one fake instance needs to mint and check tokens. */
export interface AccessTokens {
  /** Mints a token valid from now for the configured lifetime and marks it live. */
  mint(): string;
  /** Whether a token was minted here, is not revoked, and is valid at `now()`. */
  isValid(token: string): boolean;
}

const HEADER = base64url(JSON.stringify({ alg: 'HS512', typ: 'JWT' }));

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/**
 * Creates the token minter of one fake. The signing secret and the audience GUID are random per
 * instance, so a token from one fake never passes another.
 *
 * The payload has no unique claim (the doc example has none), so two tokens minted in the same second
 * are byte-identical, and minting again after a revocation revives that string.
 */
export function createAccessTokens(options: {
  ttlSeconds: number;
  now: () => number;
  liveTokens: Set<string>;
}): AccessTokens {
  const secret = randomBytes(64);
  const audience = randomUUID();
  const sign = (input: string) => createHmac('sha512', secret).update(input).digest();
  const nowSeconds = () => Math.floor(options.now() / 1000);

  const readClaims = (token: string): AccessTokenClaims | undefined => {
    const [header, payload, signature, ...rest] = token.split('.');
    if (header === undefined || payload === undefined || signature === undefined || rest.length > 0) {
      return undefined;
    }
    const expected = sign(`${header}.${payload}`);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as AccessTokenClaims;
  };

  return {
    mint() {
      const nbf = nowSeconds();
      const claims: AccessTokenClaims = {
        cid: FAKE_COMMUNITY_ID,
        type: 'Community',
        nbf,
        exp: nbf + options.ttlSeconds,
        iss: 'socialboards.com',
        aud: audience,
      };
      const unsigned = `${HEADER}.${base64url(JSON.stringify(claims))}`;
      const token = `${unsigned}.${sign(unsigned).toString('base64url')}`;
      options.liveTokens.add(token);
      return token;
    },
    isValid(token) {
      const claims = readClaims(token);
      if (!claims || !options.liveTokens.has(token)) return false;
      const now = nowSeconds();
      return now >= claims.nbf && now < claims.exp;
    },
  };
}
