import { describe, expect, it } from 'vitest';
import { ConfigError, parseRelayConfig } from '../../../src/relay/config';
import { parseRateSpec } from '../../../src/relay/limits/limits-config';

const REQUIRED_ONLY = {
  SOCIALBOARDS_CLIENT_ID: 'client',
  SOCIALBOARDS_REFRESH_TOKEN: 'refresh',
  RELAY_ALLOWED_ORIGINS: 'https://shop.example',
};

const problemsOf = (env: Record<string, string>) => {
  try {
    parseRelayConfig({ ...REQUIRED_ONLY, ...env });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
};

describe('abuse-limit variables', () => {
  it('default to the strict production limits', () => {
    expect(parseRelayConfig(REQUIRED_ONLY).limits).toEqual({
      redisUrl: null,
      clients: { trustedProxies: 0, forwardedHeader: 'x-forwarded-for', logKey: null, maxRequestsInFlight: 8, maxConnections: 32 },
      rates: {
        requests: [{ points: 120, seconds: 60 }],
        tickets: [
          { points: 5, seconds: 600 },
          { points: 30, seconds: 86_400 },
        ],
        ticketsPerOrigin: [
          { points: 100, seconds: 600 },
          { points: 1000, seconds: 86_400 },
        ],
        uploads: [
          { points: 25, seconds: 600 },
          { points: 100, seconds: 86_400 },
        ],
        uploadsPerOrigin: [
          { points: 500, seconds: 600 },
          { points: 5000, seconds: 86_400 },
        ],
        form: [{ points: 60, seconds: 600 }],
        formPerOrigin: [{ points: 20000, seconds: 600 }],
        files: [{ points: 600, seconds: 60 }],
      },
      bodyTimeoutMs: 10_000,
      uploads: { dailyBytesPerClient: 100 * 1024 * 1024, pendingBytesPerClient: 25 * 1024 * 1024, pendingBytesPerNetwork: 100 * 1024 * 1024 },
    });
  });

  it('reads every variable', () => {
    const { limits } = parseRelayConfig({
      ...REQUIRED_ONLY,
      REDIS_URL: 'redis://:pass@127.0.0.1:6380/2',
      RELAY_TRUSTED_PROXIES: '2',
      RELAY_FORWARDED_HEADER: 'Forwarded',
      RELAY_LOG_CLIENT_KEY: '0123456789abcdef0123',
      RELAY_RATE_LIMIT_TICKETS: 'off',
      RELAY_RATE_LIMIT_FORM: '10/30s, 100/2H',
      RELAY_MAX_REQUESTS_PER_CLIENT: '3',
      RELAY_BODY_TIMEOUT_MS: '2500',
      RELAY_ATTACHMENT_DAILY_MB: '20',
      RELAY_ATTACHMENT_PENDING_CLIENT_MB: '15',
    });
    expect(limits.redisUrl).toBe('redis://:pass@127.0.0.1:6380/2');
    expect(limits.clients).toEqual({ trustedProxies: 2, forwardedHeader: 'forwarded', logKey: '0123456789abcdef0123', maxRequestsInFlight: 3, maxConnections: 32 });
    expect(limits.rates.tickets).toEqual([]);
    expect(limits.rates.form).toEqual([
      { points: 10, seconds: 30 },
      { points: 100, seconds: 7200 },
    ]);
    expect(limits.bodyTimeoutMs).toBe(2500);
    expect(limits.uploads).toEqual({ dailyBytesPerClient: 20 * 1024 * 1024, pendingBytesPerClient: 15 * 1024 * 1024, pendingBytesPerNetwork: 60 * 1024 * 1024 });
  });

  it.each([
    ['RELAY_RATE_LIMIT_TICKETS', '5 per minute'],
    ['RELAY_RATE_LIMIT_TICKETS', '0/1m'],
    ['RELAY_RATE_LIMIT_UPLOADS', '5/31d'],
    ['RELAY_RATE_LIMIT_REQUESTS', '5/1m,'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['RELAY_TRUSTED_PROXIES', '11'],
    ['RELAY_FORWARDED_HEADER', 'x-real-ip'],
    ['RELAY_LOG_CLIENT_KEY', 'short'],
    ['RELAY_BODY_TIMEOUT_MS', '999'],
  ])('refuses %s=%s, naming the variable but never the value', (variable, value) => {
    const problems = problemsOf({ [variable]: value });
    expect(problems.map((problem) => problem.variable)).toEqual([variable]);
    expect(problems[0]?.reason).not.toContain(value);
  });

  it('refuses a network share smaller than a client share', () => {
    const problems = problemsOf({ RELAY_ATTACHMENT_PENDING_CLIENT_MB: '30', RELAY_ATTACHMENT_PENDING_NETWORK_MB: '20' });
    expect(problems.map((problem) => problem.variable)).toEqual(['RELAY_ATTACHMENT_PENDING_NETWORK_MB']);
  });

  it('refuses per-client upload budgets smaller than one file', () => {
    const problems = problemsOf({ RELAY_ATTACHMENT_MAX_FILE_MB: '20', RELAY_ATTACHMENT_PENDING_CLIENT_MB: '10', RELAY_ATTACHMENT_DAILY_MB: '5' });
    expect(problems.map((problem) => problem.variable).sort()).toEqual(['RELAY_ATTACHMENT_DAILY_MB', 'RELAY_ATTACHMENT_PENDING_CLIENT_MB']);
  });

  it('parses rate specs in every unit', () => {
    expect(parseRateSpec('1/1s,2/2m,3/3h,4/4d,5/5')).toEqual([
      { points: 1, seconds: 1 },
      { points: 2, seconds: 120 },
      { points: 3, seconds: 10_800 },
      { points: 4, seconds: 345_600 },
      { points: 5, seconds: 5 },
    ]);
    expect(parseRateSpec(' OFF ')).toEqual([]);
    expect(parseRateSpec('')).toBeUndefined();
  });
});
