import { describe, expect, it } from 'vitest';
import { ConfigError, parseRelayConfig } from '../../src/relay/config';
import { BASE_ENV, REFRESH_TOKEN } from './helpers';

const REQUIRED_ONLY = {
  SOCIALBOARDS_CLIENT_ID: 'client',
  SOCIALBOARDS_REFRESH_TOKEN: 'refresh',
  RELAY_ALLOWED_ORIGINS: 'https://shop.example',
};

function problemsOf(env: Record<string, string | undefined>): Record<string, string> {
  try {
    parseRelayConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return Object.fromEntries((error as ConfigError).problems.map((p) => [p.variable, p.reason]));
  }
  throw new Error('expected a ConfigError');
}

describe('parseRelayConfig', () => {
  it('fills every default from the three required variables', () => {
    expect(parseRelayConfig(REQUIRED_ONLY)).toEqual({
      socialboards: {
        apiUrl: 'https://api.socialboards.com',
        tokenUrl: 'https://api.socialboards.com/token',
        clientId: 'client',
        refreshToken: 'refresh',
        timeoutMs: 15_000,
        customFieldsPath: '/customfields',
        categoriesPath: '/categories',
      },
      upstreamGuard: { concurrency: 16, queueMs: 2000, breakerFailures: 5, breakerOpenSeconds: 10 },
      ticketWork: { concurrency: 200, queueMs: 10_000 },
      allowedOrigins: ['https://shop.example'],
      pinned: { sourceName: 'Website ticket widget', categoryId: null, assigneeId: null, tags: [] },
      host: '127.0.0.1',
      port: 8787,
      maxBodyBytes: 65_536,
      idempotency: { ttlSeconds: 86_400, leaseSeconds: 10, storePath: './data/relay.db', submissionKeyField: null },
      logLevel: 'info',
      form: { file: null, cacheTtlSeconds: 300, config: { order: 'community', fields: [], builtIn: { email: { required: true } } } },
      maxPendingUploadBytes: 1024 * 1024 * 1024,
      outbox: {
        enabled: true,
        backoff: { maxAttempts: 20, baseMs: 5000, maxMs: 600_000, lookupDelayMs: 15_000 },
        pollMs: 1000,
        concurrency: 2,
      },
      // Every attachment default: test/relay/attachments/attachments-config.test.ts.
      attachments: expect.objectContaining({ storage: 'disk' }),
      // Every abuse-limit default: test/relay/limits/limits-config.test.ts.
      limits: expect.objectContaining({ redisUrl: null }),
      // Every identity default: test/relay/identity/identity-config.test.ts.
      identity: expect.objectContaining({ keys: [], required: false }),
      // Every spam default: test/relay/spam/spam-config.test.ts.
      spam: expect.objectContaining({ challenge: null }),
    });
  });

  it('reads every optional variable', () => {
    const config = parseRelayConfig({
      ...REQUIRED_ONLY,
      SOCIALBOARDS_API_URL: 'http://127.0.0.1:9000/v2/',
      SOCIALBOARDS_TOKEN_URL: 'https://auth.example/token',
      RELAY_ALLOWED_ORIGINS: ' https://shop.example , http://localhost:5173 ',
      RELAY_SOURCE_NAME: 'Shop contact form',
      RELAY_CATEGORY_ID: '15597',
      RELAY_ASSIGNEE_ID: '43b8adc7-755d-2be3-afb1-b6a462631977',
      RELAY_TAGS: 'web, widget,,',
      RELAY_REQUIRE_EMAIL: 'FALSE',
      RELAY_HOST: '0.0.0.0',
      RELAY_PORT: '0',
      RELAY_UPSTREAM_TIMEOUT_MS: '500',
      RELAY_MAX_BODY_BYTES: '1024',
      RELAY_IDEMPOTENCY_TTL_SECONDS: '60',
      RELAY_IDEMPOTENCY_LEASE_SECONDS: '30',
      RELAY_STORE_PATH: '/var/lib/relay/keys.db',
      RELAY_SUBMISSION_KEY_FIELD: '42636',
      RELAY_LOG: 'debug',
      SOCIALBOARDS_CUSTOM_FIELDS_PATH: '/v2/customfields/list?take=100',
      SOCIALBOARDS_CATEGORIES_PATH: '/v2/categories',
      RELAY_FORM_CACHE_TTL_SECONDS: '60',
      RELAY_ATTACHMENT_PENDING_MB: '50',
    });
    expect(config.socialboards).toMatchObject({ apiUrl: 'http://127.0.0.1:9000/v2', tokenUrl: 'https://auth.example/token' });
    expect(config.socialboards.timeoutMs).toBe(500);
    expect(config.socialboards).toMatchObject({ customFieldsPath: '/v2/customfields/list?take=100', categoriesPath: '/v2/categories' });
    expect(config.form.cacheTtlSeconds).toBe(60);
    expect(config.allowedOrigins).toEqual(['https://shop.example', 'http://localhost:5173']);
    expect(config.pinned).toEqual({
      sourceName: 'Shop contact form',
      categoryId: 15597,
      assigneeId: '43b8adc7-755d-2be3-afb1-b6a462631977',
      tags: ['web', 'widget'],
    });
    expect(config.form.config.builtIn.email).toEqual({ required: false });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 0, maxBodyBytes: 1024, logLevel: 'debug' });
    expect(config.idempotency).toEqual({ ttlSeconds: 60, leaseSeconds: 30, storePath: '/var/lib/relay/keys.db', submissionKeyField: 42636 });
    expect(config.maxPendingUploadBytes).toBe(50 * 1024 * 1024);
  });

  it('derives the token URL from the API URL', () => {
    expect(parseRelayConfig({ ...REQUIRED_ONLY, SOCIALBOARDS_API_URL: 'http://127.0.0.1:9000' }).socialboards.tokenUrl).toBe(
      'http://127.0.0.1:9000/token',
    );
  });

  it('normalises origins the way browsers serialise them', () => {
    const config = parseRelayConfig({ ...REQUIRED_ONLY, RELAY_ALLOWED_ORIGINS: 'https://Shop.Example:443,https://shop.example' });
    expect(config.allowedOrigins).toEqual(['https://shop.example']);
  });

  it('treats blank values as unset', () => {
    expect(parseRelayConfig({ ...REQUIRED_ONLY, RELAY_PORT: '', RELAY_CATEGORY_ID: '  ' })).toMatchObject({
      port: 8787,
      pinned: { categoryId: null },
    });
  });

  it('names every missing required variable at once', () => {
    expect(problemsOf({})).toEqual({
      SOCIALBOARDS_CLIENT_ID: 'is required',
      SOCIALBOARDS_REFRESH_TOKEN: 'is required',
      RELAY_ALLOWED_ORIGINS: 'is required',
    });
  });

  it.each([
    ['SOCIALBOARDS_API_URL', 'ftp://files.example', /http\(s\) URL/],
    ['SOCIALBOARDS_API_URL', 'not a url', /http\(s\) URL/],
    ['SOCIALBOARDS_TOKEN_URL', 'api.socialboards.com/token', /http\(s\) URL/],
    ['SOCIALBOARDS_API_URL', 'https://user:pass@api.example', /^must not contain credentials$/],
    ['SOCIALBOARDS_TOKEN_URL', 'https://client@auth.example/token', /^must not contain credentials$/],
    ['RELAY_ALLOWED_ORIGINS', '*', /exact origins/],
    ['RELAY_ALLOWED_ORIGINS', 'https://shop.example/', /no path/],
    ['RELAY_ALLOWED_ORIGINS', 'https://shop.example/contact', /no path/],
    ['RELAY_ALLOWED_ORIGINS', 'shop.example', /exact origins/],
    ['RELAY_ALLOWED_ORIGINS', 'https://shop.example,null', /exact origins/],
    ['RELAY_ALLOWED_ORIGINS', ' , ', /exact origins/],
    ['RELAY_CATEGORY_ID', '0', /positive integer/],
    ['RELAY_CATEGORY_ID', '12.5', /positive integer/],
    ['RELAY_ASSIGNEE_ID', 'bill', /GUID/],
    ['RELAY_REQUIRE_EMAIL', 'yes', /true or false/],
    ['RELAY_PORT', '65536', /0 to 65535/],
    ['RELAY_PORT', 'http', /0 to 65535/],
    ['RELAY_UPSTREAM_TIMEOUT_MS', '0', /integer from 1/],
    ['RELAY_MAX_BODY_BYTES', '-1', /integer from 1/],
    ['RELAY_IDEMPOTENCY_TTL_SECONDS', '1d', /integer from 1/],
    ['RELAY_IDEMPOTENCY_LEASE_SECONDS', '301', /integer from 1 to 300/],
    ['RELAY_SUBMISSION_KEY_FIELD', '0', /id of a custom field/],
    ['RELAY_SUBMISSION_KEY_FIELD', 'submission-key', /id of a custom field/],
    ['RELAY_LOG', 'verbose', /info, silent, debug/],
    ['RELAY_SEMI_SPACE_MB', '4096', /integer from 0 to 1024/],
    ['RELAY_SEMI_SPACE_MB', '-1', /integer from 0 to 1024/],
    ['SOCIALBOARDS_CUSTOM_FIELDS_PATH', 'customfields', /starting with \//],
    ['SOCIALBOARDS_CATEGORIES_PATH', '/cate gories', /no spaces/],
    ['RELAY_FORM_CACHE_TTL_SECONDS', '0', /integer from 1 to 86400/],
    ['RELAY_ATTACHMENT_PENDING_MB', '0', /integer from 1 to 1048576/],
    ['RELAY_ATTACHMENT_PENDING_MB', '1.5', /integer from 1 to 1048576/],
    // Below the largest file: every larger file would be refused as if the relay were busy.
    ['RELAY_ATTACHMENT_PENDING_MB', '5', /at least RELAY_ATTACHMENT_MAX_FILE_MB/],
  ])('refuses %s=%j with a reason', (variable, value, reason) => {
    const problems = problemsOf({ ...BASE_ENV, [variable]: value });
    expect(Object.keys(problems)).toEqual([variable]);
    expect(problems[variable]).toMatch(reason);
  });

  it('lists every invalid variable in one message and never quotes a value', () => {
    const env = { ...BASE_ENV, SOCIALBOARDS_CLIENT_ID: undefined, RELAY_PORT: 'eighty', RELAY_LOG: 'loud' };
    let message = '';
    try {
      parseRelayConfig(env);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('SOCIALBOARDS_CLIENT_ID: is required');
    expect(message).toContain('RELAY_PORT: must be an integer from 0 to 65535');
    expect(message).toContain('RELAY_LOG: must be one of info, silent, debug');
    expect(message).not.toContain('eighty');
    expect(message).not.toContain('loud');
    expect(message).not.toContain(REFRESH_TOKEN);
  });
});

describe('RELAY_FORM_CONFIG', () => {
  const withFile = (text: string, path = '/etc/relay/form.json') =>
    parseRelayConfig({ ...BASE_ENV, RELAY_FORM_CONFIG: path }, { readFile: (file) => (file === path ? text : '') });

  const messageOf = (parse: () => unknown): string => {
    try {
      parse();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('reads the file it names', () => {
    const config = withFile('{"fields": [{"id": 42623}], "categories": {"picker": true}}');
    expect(config.form).toEqual({
      file: '/etc/relay/form.json',
      cacheTtlSeconds: 300,
      config: { order: 'community', fields: [{ id: 42623 }], categories: { picker: true, required: false }, builtIn: { email: { required: true } } },
    });
  });

  it('takes RELAY_REQUIRE_EMAIL as the shortcut for builtIn.email.required, and the file over its default', () => {
    const email = (env: Record<string, string>, text: string) =>
      parseRelayConfig({ ...BASE_ENV, ...env, RELAY_FORM_CONFIG: '/f.json' }, { readFile: () => text }).form.config.builtIn.email;
    expect(email({ RELAY_REQUIRE_EMAIL: 'false' }, '{}')).toEqual({ required: false });
    expect(email({}, '{"builtIn": {"email": {"required": false, "label": "Work email"}}}')).toEqual({ required: false, label: 'Work email' });
    expect(email({ RELAY_REQUIRE_EMAIL: 'true' }, '{"builtIn": {"email": {"required": true}}}')).toEqual({ required: true });
    // Hidden, with the variable left at its default: not asked, so not required.
    expect(email({}, '{"builtIn": {"email": {"hidden": true}}}')).toEqual({ hidden: true, required: false });
  });

  it.each([
    ['false', '{"builtIn": {"email": {"required": true}}}', 'RELAY_REQUIRE_EMAIL: is false, but the form config\'s builtIn.email.required is true; set one of them'],
    ['true', '{"builtIn": {"email": {"required": false}}}', 'RELAY_REQUIRE_EMAIL: is true, but the form config\'s builtIn.email.required is false; set one of them'],
    ['true', '{"builtIn": {"email": {"hidden": true}}}', "RELAY_REQUIRE_EMAIL: is true, but the form config's builtIn.email.hidden is true: a hidden field cannot be required"],
  ])('refuses RELAY_REQUIRE_EMAIL=%s against %s, naming both', (value, text, problem) => {
    const message = messageOf(() => parseRelayConfig({ ...BASE_ENV, RELAY_REQUIRE_EMAIL: value, RELAY_FORM_CONFIG: '/f.json' }, { readFile: () => text }));
    expect(message).toContain(problem);
  });

  it('names the file and the key path of each problem, beside the bad variables', () => {
    const message = messageOf(() =>
      parseRelayConfig(
        { ...BASE_ENV, RELAY_PORT: 'eighty', RELAY_FORM_CONFIG: '/etc/relay/form.json' },
        { readFile: () => '{"fields": [{"id": 1}, {"id": 2, "control": "slider"}], "colour": "red"}' },
      ),
    );
    expect(message).toContain('RELAY_PORT: must be an integer');
    expect(message).toContain('RELAY_FORM_CONFIG: /etc/relay/form.json: fields[1].control must be one of text, multiline,');
    expect(message).toContain('RELAY_FORM_CONFIG: /etc/relay/form.json: colour is not a known key');
  });

  it('refuses a submission key field that the form config offers to visitors', () => {
    const message = messageOf(() =>
      parseRelayConfig(
        { ...BASE_ENV, RELAY_SUBMISSION_KEY_FIELD: '42636', RELAY_FORM_CONFIG: '/etc/relay/form.json' },
        { readFile: () => '{"fields": [{"id": 42623}, {"id": 42636}]}' },
      ),
    );
    expect(message).toContain('RELAY_SUBMISSION_KEY_FIELD: the relay fills custom field 42636 itself; remove it from the fields of /etc/relay/form.json');
  });

  it('takes the JSON itself when the value starts with {, as on Workers, through the same parser', () => {
    const json = '{"fields": [{"id": 42623}], "categories": {"picker": true}}';
    const config = parseRelayConfig({ ...BASE_ENV, RELAY_FORM_CONFIG: ` ${json}` }, { readFile: () => { throw new Error('no file is read'); } });
    expect(config.form.file).toBeNull();
    expect(config.form.config).toEqual(withFile(json).form.config);
    const message = messageOf(() => parseRelayConfig({ ...BASE_ENV, RELAY_FORM_CONFIG: '{"fields": [{"id": 1, "control": "slider"}]}' }));
    expect(message).toContain('RELAY_FORM_CONFIG: (the JSON in RELAY_FORM_CONFIG): fields[0].control must be one of');
    expect(messageOf(() => parseRelayConfig({ ...BASE_ENV, RELAY_FORM_CONFIG: '{"fields": [' }))).toContain('(the JSON in RELAY_FORM_CONFIG): is not valid JSON');
  });

  it('says when the file cannot be read or is not JSON', () => {
    const missing = messageOf(() => parseRelayConfig({ ...BASE_ENV, RELAY_FORM_CONFIG: '/nowhere/form.json' }));
    expect(missing).toContain('RELAY_FORM_CONFIG: /nowhere/form.json: cannot be read (ENOENT)');
    expect(messageOf(() => withFile('{"fields": ['))).toMatch(/form\.json: is not valid JSON/);
  });
});
