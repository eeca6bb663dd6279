/**
 * Finds secrets in text the relay produced (answers, headers, log lines) or shipped (the bundle):
 * the configured credentials themselves, and anything shaped like a token, whoever's it is.
 */

/** Shapes no answer, log line or bundle of ours may contain. */
export const TOKEN_SHAPES: readonly { name: string; pattern: RegExp }[] = [
  // JWTs: Socialboards' access tokens, identity tokens (header `{"` is `eyJ` in base64url).
  { name: 'JWT', pattern: /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/ },
  { name: 'bearer credential', pattern: /\bBearer\s+[\w.~+/-]{12,}=*/i },
  { name: 'OAuth field with a value', pattern: /\b(?:refresh_token|access_token|client_secret)["']?\s*[:=]\s*["']?[\w.~+/-]{8,}/i },
  { name: 'private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
];
// Pre-signed S3 URLs are not listed: the relay hands them to browsers on purpose (a capability for
// one object and a few minutes); the S3 secret key itself is searched for by value.

export interface Leak {
  /** Where it was found: a file, a response, a log line. */
  where: string;
  /** What was found: the secret's name or the token shape; never the value itself. */
  what: string;
}

/**
 * Every leak in `texts`. `secrets` maps a name to a value that must never appear; values shorter
 * than 8 characters are not searched (they would match by chance).
 */
export function findLeaks(texts: readonly { where: string; text: string }[], secrets: Readonly<Record<string, string>>): Leak[] {
  const leaks: Leak[] = [];
  const searched = Object.entries(secrets).filter(([, value]) => value.length >= 8);
  for (const { where, text } of texts) {
    for (const [name, value] of searched) if (text.includes(value)) leaks.push({ where, what: `the configured ${name}` });
    for (const { name, pattern } of TOKEN_SHAPES) if (pattern.test(text)) leaks.push({ where, what: `a ${name}` });
  }
  return leaks;
}

/** The secret values in a relay environment, by variable name (identity keys one by one). */
export function secretsOfEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const name of ['SOCIALBOARDS_REFRESH_TOKEN', 'S3_SECRET_ACCESS_KEY', 'RELAY_CHALLENGE_SECRET', 'RELAY_LOG_CLIENT_KEY']) {
    const value = env[name];
    if (value) secrets[name] = value;
  }
  for (const pair of (env.RELAY_IDENTITY_KEYS ?? '').split(',')) {
    const [kid, ...rest] = pair.split('=');
    if (kid && rest.length > 0) secrets[`RELAY_IDENTITY_KEYS secret of ${kid.trim()}`] = rest.join('=').trim();
  }
  const redisPassword = env.REDIS_URL ? URL.canParse(env.REDIS_URL) && new URL(env.REDIS_URL).password : '';
  if (redisPassword) secrets['REDIS_URL password'] = redisPassword;
  return secrets;
}

/** Where the integration suite leaves what it saw, for the scan over all of it (LEAK_CORPUS_DIR). */
export async function recordForScan(texts: readonly { where: string; text: string }[], secrets: Readonly<Record<string, string>>): Promise<void> {
  const dir = process.env.LEAK_CORPUS_DIR;
  if (!dir) return;
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { randomUUID } = await import('node:crypto');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${randomUUID()}.json`), JSON.stringify({ texts, secrets }));
}
