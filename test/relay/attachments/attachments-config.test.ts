import { resolve } from 'node:path';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { AttachmentsEnv } from '../../../src/relay/attachments/attachments-config';
import { createStorage } from '../../../src/relay/attachments/create-storage';
import { ConfigError, parseRelayConfig } from '../../../src/relay/config';
import { DEFAULT_TYPES } from '../../../src/relay/attachments/media-types';

const REQUIRED = {
  SOCIALBOARDS_CLIENT_ID: 'client',
  SOCIALBOARDS_REFRESH_TOKEN: 'refresh',
  RELAY_ALLOWED_ORIGINS: 'https://shop.example',
};
const MB = 1024 * 1024;
const PREFIX_REASON = 'must be one or more folder names each ending in /, like attachments/ (a folder the relay has to itself)';
const S3_SETTINGS = { RELAY_ATTACHMENTS: 's3', S3_BUCKET: 'tickets-files', S3_ACCESS_KEY_ID: 'AKID', S3_SECRET_ACCESS_KEY: 'secret' };

const attachmentsOf = (env: Record<string, string>) => parseRelayConfig({ ...REQUIRED, ...env }).attachments;

function problemsOf(env: Record<string, string>): Record<string, string> {
  try {
    parseRelayConfig({ ...REQUIRED, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return Object.fromEntries((error as ConfigError).problems.map((p) => [p.variable, p.reason]));
  }
  throw new Error('expected a ConfigError');
}

describe('attachment configuration', () => {
  it('stores on disk under ./data/attachments with the documented limits by default', () => {
    expect(attachmentsOf({})).toEqual({
      storage: 'disk',
      publicUrl: undefined,
      dir: resolve('data/attachments'),
      // The widget also hears what browsers claim for these types (a CSV is "application/vnd.ms-excel" on Windows).
      policy: {
        maxFiles: 5,
        maxFileBytes: 10 * MB,
        maxTotalBytes: 25 * MB,
        types: [...DEFAULT_TYPES, 'application/vnd.ms-excel', 'application/csv', 'text/x-csv'],
      },
      rules: { accepted: [...DEFAULT_TYPES], allowActive: false, keepGps: false, pdfScripts: 'refuse' },
      lifetimes: { orphanMs: 60 * 60_000, retentionMs: 30 * 24 * 3600_000 },
      s3: undefined,
    });
  });

  it('reads every variable', () => {
    const config = attachmentsOf({
      RELAY_ATTACHMENTS: 'S3',
      RELAY_PUBLIC_URL: 'https://relay.shop.example/help/',
      RELAY_ATTACHMENTS_DIR: '/var/lib/relay',
      RELAY_ATTACHMENT_MAX_FILES: '10',
      RELAY_ATTACHMENT_MAX_FILE_MB: '2.5',
      RELAY_ATTACHMENT_MAX_TOTAL_MB: '100',
      RELAY_ATTACHMENT_TYPES: 'image/*, application/pdf, image/svg+xml',
      RELAY_ATTACHMENT_ALLOW_ACTIVE: 'true',
      RELAY_ATTACHMENT_KEEP_GPS: 'TRUE',
      RELAY_ATTACHMENT_PDF_SCRIPTS: ' Allow ',
      RELAY_ATTACHMENT_ORPHAN_MINUTES: '5',
      RELAY_ATTACHMENT_RETENTION_DAYS: '0',
      S3_BUCKET: 'tickets-files',
      S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      S3_SECRET_ACCESS_KEY: 'secret-key-value',
      S3_REGION: 'eu-north-1',
      S3_ENDPOINT: 'http://127.0.0.1:9000/',
      S3_PREFIX: 'relay/uploads/',
      S3_DIRECT_UPLOAD: 'true',
      S3_URL_TTL_SECONDS: '60',
    });
    expect(config).toEqual({
      storage: 's3',
      publicUrl: 'https://relay.shop.example/help',
      dir: '/var/lib/relay',
      policy: {
        maxFiles: 10,
        maxFileBytes: 2.5 * MB,
        maxTotalBytes: 100 * MB,
        types: ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/heic', 'image/heif', 'image/avif', 'application/pdf', 'image/svg+xml'],
        direct: true,
      },
      rules: {
        accepted: ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/heic', 'image/heif', 'image/avif', 'application/pdf', 'image/svg+xml'],
        allowActive: true,
        keepGps: true,
        pdfScripts: 'allow',
      },
      lifetimes: { orphanMs: 5 * 60_000, retentionMs: 0 },
      s3: {
        bucket: 'tickets-files',
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'secret-key-value',
        region: 'eu-north-1',
        endpoint: 'http://127.0.0.1:9000',
        prefix: 'relay/uploads/',
        directUpload: true,
        urlTtlSeconds: 60,
      },
    });
  });

  it('takes attachments off', () => {
    expect(attachmentsOf({ RELAY_ATTACHMENTS: 'off' }).storage).toBe('off');
  });

  it.each([
    { env: { RELAY_ATTACHMENTS: 'ftp' }, variable: 'RELAY_ATTACHMENTS', reason: 'must be one of disk, s3, r2, off' },
    { env: { RELAY_ATTACHMENT_PDF_SCRIPTS: 'strip' }, variable: 'RELAY_ATTACHMENT_PDF_SCRIPTS', reason: 'must be one of refuse, allow' },
    { env: { RELAY_PUBLIC_URL: 'relay.example' }, variable: 'RELAY_PUBLIC_URL', reason: 'must be an http(s) URL without credentials, query or fragment' },
    { env: { RELAY_PUBLIC_URL: 'https://user:pw@relay.example' }, variable: 'RELAY_PUBLIC_URL', reason: 'must be an http(s) URL without credentials, query or fragment' },
    { env: { RELAY_ATTACHMENT_MAX_FILES: '11' }, variable: 'RELAY_ATTACHMENT_MAX_FILES', reason: 'must be an integer from 1 to 10' },
    { env: { RELAY_ATTACHMENT_MAX_FILE_MB: '0' }, variable: 'RELAY_ATTACHMENT_MAX_FILE_MB', reason: 'must be a number of megabytes above 0, at most 5120' },
    { env: { RELAY_ATTACHMENT_MAX_FILE_MB: '0.0000001' }, variable: 'RELAY_ATTACHMENT_MAX_FILE_MB', reason: 'must be at least one byte (0.000001)' },
    { env: { RELAY_ATTACHMENT_MAX_TOTAL_MB: '0.0000009' }, variable: 'RELAY_ATTACHMENT_MAX_TOTAL_MB', reason: 'must be at least one byte (0.000001)' },
    { env: { RELAY_ATTACHMENT_MAX_FILE_MB: '30' }, variable: 'RELAY_ATTACHMENT_MAX_TOTAL_MB', reason: 'must be at least RELAY_ATTACHMENT_MAX_FILE_MB' },
    { env: { RELAY_ATTACHMENT_TYPES: 'image/png,application/x-foo' }, variable: 'RELAY_ATTACHMENT_TYPES', reason: expect.stringContaining('must be a comma-separated list of media types the relay recognises') },
    { env: { RELAY_ATTACHMENT_TYPES: '*/*' }, variable: 'RELAY_ATTACHMENT_TYPES', reason: expect.stringContaining('or wildcards like image/*') },
    { env: { RELAY_ATTACHMENT_TYPES: 'image/png,text/html' }, variable: 'RELAY_ATTACHMENT_TYPES', reason: 'lists active content (HTML, SVG, XML or a program); set RELAY_ATTACHMENT_ALLOW_ACTIVE=true to accept it' },
    { env: { RELAY_ATTACHMENT_KEEP_GPS: 'yes' }, variable: 'RELAY_ATTACHMENT_KEEP_GPS', reason: 'must be true or false' },
    { env: { RELAY_ATTACHMENT_ORPHAN_MINUTES: '0' }, variable: 'RELAY_ATTACHMENT_ORPHAN_MINUTES', reason: 'must be an integer from 1 to 10080' },
    { env: { S3_ENDPOINT: 'ftp://x' }, variable: 'S3_ENDPOINT', reason: 'must be an http(s) URL without credentials, query or fragment' },
    ...['/', 'attachments', './', '../other/', 'a/../b/', 'a//'].map((prefix) => ({ env: { S3_PREFIX: prefix }, variable: 'S3_PREFIX', reason: PREFIX_REASON })),
  ] as { env: Record<string, string>; variable: string; reason: unknown }[])('refuses $variable when $env', ({ env, variable, reason }) => {
    expect(problemsOf(env)).toEqual({ [variable]: reason });
  });

  it('names every missing S3 variable, and never a value', () => {
    const problems = problemsOf({ RELAY_ATTACHMENTS: 's3', S3_ACCESS_KEY_ID: 'AKID' });
    expect(problems).toEqual({
      S3_BUCKET: 'is required when RELAY_ATTACHMENTS=s3',
      S3_SECRET_ACCESS_KEY: 'is required when RELAY_ATTACHMENTS=s3',
    });
  });

  it('keeps the secret out of the message of any other S3 problem', () => {
    try {
      parseRelayConfig({ ...REQUIRED, RELAY_ATTACHMENTS: 's3', S3_BUCKET: 'Bad_Bucket', S3_ACCESS_KEY_ID: 'AKID', S3_SECRET_ACCESS_KEY: 'very-secret-42' });
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('very-secret-42');
      expect((error as ConfigError).problems).toEqual([{ variable: 'S3_BUCKET', reason: 'must be an S3 bucket name' }]);
    }
  });

  it('takes the smallest limit that is still one byte', () => {
    expect(attachmentsOf({ RELAY_ATTACHMENT_MAX_FILE_MB: '0.000001', RELAY_ATTACHMENT_MAX_TOTAL_MB: '0.000001' }).policy).toMatchObject({ maxFileBytes: 1, maxTotalBytes: 1 });
  });

  it('never lets S3_PREFIX be empty: the sweep deletes what is named like a key under it', () => {
    // Blank counts as unset, so a blank S3_PREFIX is the default rather than the whole bucket.
    expect(attachmentsOf({ ...S3_SETTINGS, S3_PREFIX: '  ' }).s3?.prefix).toBe('attachments/');
    expect(attachmentsOf({ ...S3_SETTINGS, S3_PREFIX: 'relay.v2/files-1/' }).s3?.prefix).toBe('relay.v2/files-1/');
    // Parsed on its own (as config.ts does after dropping blanks), an empty prefix is refused.
    const parsed = v.safeParse(AttachmentsEnv, { ...S3_SETTINGS, S3_PREFIX: '' });
    expect(parsed.issues?.map((issue) => [issue.path?.[0]?.key, issue.message])).toEqual([['S3_PREFIX', PREFIX_REASON]]);
  });
});

describe('createStorage', () => {
  const config = attachmentsOf(S3_SETTINGS);

  it('refuses s3 without its settings instead of quietly turning attachments off', () => {
    expect(() => createStorage({ ...config, s3: undefined })).toThrow('RELAY_ATTACHMENTS=s3 without S3 settings');
  });

  it('creates no storage when attachments are off, and one for disk and s3', () => {
    expect(createStorage({ ...config, storage: 'off' })).toBeUndefined();
    expect(createStorage({ ...config, storage: 'disk' })).toBeDefined();
    expect(createStorage(config)).toBeDefined();
  });
});
