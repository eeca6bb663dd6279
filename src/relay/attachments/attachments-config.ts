/** The attachment variables of the relay's environment (docs/attachments.md), as valibot entries and checks that config.ts composes. */
import { resolve } from 'node:path';
import * as v from 'valibot';
import type { AttachmentPolicy } from '../../shared/attachments';
import { LIMITS } from '../../shared/limits';
import type { TypeRules } from './inspect-file';
import type { Lifetimes } from './lifecycle';
import { flag, integer } from '../env-values';
import { claimedAs, DEFAULT_TYPES, expandTypes, isActiveType, isKnownType, MEDIA_TYPES } from './media-types';

const MB = 1024 * 1024;

const megabytes = (max: number, fallback: number) =>
  v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.regex(/^\d+(\.\d+)?$/, `must be a number of megabytes above 0, at most ${max}`),
      v.transform(Number),
      v.check((value) => value > 0 && value <= max, `must be a number of megabytes above 0, at most ${max}`),
      v.transform((value) => Math.floor(value * MB)),
      // Checked after rounding down to whole bytes: a limit of 0 bytes would refuse every file.
      v.minValue(1, 'must be at least one byte (0.000001)'),
    ),
    String(fallback),
  );

const FAMILIES = new Set(Object.keys(MEDIA_TYPES).filter((type) => !isActiveType(type)).map((type) => type.split('/')[0]));
const isKnownWildcard = (item: string) => item.endsWith('/*') && FAMILIES.has(item.slice(0, -2));

const TYPES_MESSAGE = `must be a comma-separated list of media types the relay recognises (${Object.keys(MEDIA_TYPES).join(', ')}) or wildcards like image/*`;

/** One or more folder names, each ending in `/` (`.` and `..` are not names: a URL would resolve them). */
const S3_PREFIX_PATTERN = /^((?!\.{1,2}\/)[\w.-]+\/)+$/;
const S3_PREFIX_MESSAGE = 'must be one or more folder names each ending in /, like attachments/ (a folder the relay has to itself)';

/** The variables, with their defaults. Blank counts as unset (config.ts drops blank values). */
const AttachmentEnv = v.object({
  RELAY_ATTACHMENTS: v.optional(
    v.pipe(v.string(), v.trim(), v.toLowerCase(), v.picklist(['disk', 's3', 'r2', 'off'], 'must be one of disk, s3, r2, off')),
    'disk',
  ),
  RELAY_PUBLIC_URL: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.check(isPlainHttpUrl, 'must be an http(s) URL without credentials, query or fragment'),
      v.transform((value) => value.replace(/\/+$/, '')),
    ),
  ),
  RELAY_ATTACHMENTS_DIR: v.optional(v.pipe(v.string(), v.trim()), './data/attachments'),
  RELAY_ATTACHMENT_MAX_FILES: integer(1, LIMITS.attachments, 5),
  RELAY_ATTACHMENT_MAX_FILE_MB: megabytes(5 * 1024, 10),
  RELAY_ATTACHMENT_MAX_TOTAL_MB: megabytes(50 * 1024, 25),
  RELAY_ATTACHMENT_TYPES: v.optional(
    v.pipe(
      v.string(),
      v.transform((value) => [...new Set(value.split(',').map((item) => item.trim().toLowerCase()).filter(Boolean))]),
      v.minLength(1, TYPES_MESSAGE),
      v.check((items) => items.every((item) => isKnownType(item) || isKnownWildcard(item)), TYPES_MESSAGE),
    ),
    DEFAULT_TYPES.join(','),
  ),
  RELAY_ATTACHMENT_ALLOW_ACTIVE: flag('false'),
  RELAY_ATTACHMENT_KEEP_GPS: flag('false'),
  RELAY_ATTACHMENT_PDF_SCRIPTS: v.optional(
    v.pipe(v.string(), v.trim(), v.toLowerCase(), v.picklist(['refuse', 'allow'], 'must be one of refuse, allow')),
    'refuse',
  ),
  RELAY_ATTACHMENT_ORPHAN_MINUTES: integer(1, 7 * 24 * 60, 60),
  RELAY_ATTACHMENT_RETENTION_DAYS: integer(0, 3650, 30),
  S3_BUCKET: v.optional(v.pipe(v.string(), v.trim(), v.regex(/^[a-z\d][a-z\d.-]{1,61}[a-z\d]$/, 'must be an S3 bucket name'))),
  S3_ACCESS_KEY_ID: v.optional(v.pipe(v.string(), v.trim())),
  S3_SECRET_ACCESS_KEY: v.optional(v.pipe(v.string(), v.trim())),
  S3_REGION: v.optional(v.pipe(v.string(), v.trim(), v.regex(/^[a-z\d-]+$/, 'must be a region name like eu-north-1')), 'us-east-1'),
  S3_ENDPOINT: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.check(isPlainHttpUrl, 'must be an http(s) URL without credentials, query or fragment'),
      v.transform((value) => value.replace(/\/+$/, '')),
    ),
  ),
  // Never empty: the sweep deletes whatever under the prefix is named like a key, so the prefix is the relay's alone.
  S3_PREFIX: v.optional(v.pipe(v.string(), v.trim(), v.regex(S3_PREFIX_PATTERN, S3_PREFIX_MESSAGE)), 'attachments/'),
  S3_DIRECT_UPLOAD: flag('false'),
  S3_URL_TTL_SECONDS: integer(1, 7 * 24 * 3600, 900),
});
type AttachmentEnv = v.InferOutput<typeof AttachmentEnv>;

/**
 * The attachment variables of an environment, with the checks between them (each problem names
 * the variable to correct), parsed into `AttachmentsConfig`. Other variables are ignored.
 */
export const AttachmentsEnv = v.pipe(
  AttachmentEnv,
  v.forward(
    v.partialCheck(
        [['RELAY_ATTACHMENT_TYPES'], ['RELAY_ATTACHMENT_ALLOW_ACTIVE']],
        (env) => env.RELAY_ATTACHMENT_ALLOW_ACTIVE || !env.RELAY_ATTACHMENT_TYPES.some(isActiveType),
        'lists active content (HTML, SVG, XML or a program); set RELAY_ATTACHMENT_ALLOW_ACTIVE=true to accept it',
      ),
    ['RELAY_ATTACHMENT_TYPES'],
  ),
  v.forward(
    v.partialCheck(
        [['RELAY_ATTACHMENT_MAX_FILE_MB'], ['RELAY_ATTACHMENT_MAX_TOTAL_MB']],
        (env) => env.RELAY_ATTACHMENT_MAX_TOTAL_MB >= env.RELAY_ATTACHMENT_MAX_FILE_MB,
        'must be at least RELAY_ATTACHMENT_MAX_FILE_MB',
      ),
    ['RELAY_ATTACHMENT_MAX_TOTAL_MB'],
  ),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed || dataset.value.RELAY_ATTACHMENTS !== 's3') return;
    for (const key of ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
      if (dataset.value[key] !== undefined) continue;
      const input = dataset.value;
      addIssue({ message: 'is required when RELAY_ATTACHMENTS=s3', path: [{ type: 'object', origin: 'value', input, key, value: undefined }] });
    }
  }),
  v.transform(toAttachmentsConfig),
);

/** Object storage settings (RELAY_ATTACHMENTS=s3). */
export interface S3Config {
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** An S3-compatible endpoint; path-style addressing when set. */
  endpoint: string | undefined;
  /** Prepended to every object key. */
  prefix: string;
  directUpload: boolean;
  urlTtlSeconds: number;
}

/** The relay's attachment settings. */
export interface AttachmentsConfig {
  /** `r2` only on Workers: the bucket is the Worker's `ATTACHMENTS` binding. */
  storage: 'disk' | 's3' | 'r2' | 'off';
  /** RELAY_PUBLIC_URL; unset means the relay's own listening address. */
  publicUrl: string | undefined;
  /** Absolute path of the disk storage's folder. */
  dir: string;
  /** What GET /form serves (`direct` added when browsers upload to S3). */
  policy: AttachmentPolicy;
  rules: TypeRules;
  lifetimes: Lifetimes;
  s3: S3Config | undefined;
}

/** Builds the settings from the parsed variables. */
function toAttachmentsConfig(env: AttachmentEnv): AttachmentsConfig {
  const accepted = expandTypes(env.RELAY_ATTACHMENT_TYPES);
  const s3 =
    env.RELAY_ATTACHMENTS === 's3'
      ? {
          bucket: env.S3_BUCKET ?? '',
          accessKeyId: env.S3_ACCESS_KEY_ID ?? '',
          secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? '',
          region: env.S3_REGION,
          endpoint: env.S3_ENDPOINT,
          prefix: env.S3_PREFIX,
          directUpload: env.S3_DIRECT_UPLOAD,
          urlTtlSeconds: env.S3_URL_TTL_SECONDS,
        }
      : undefined;
  return {
    storage: env.RELAY_ATTACHMENTS,
    publicUrl: env.RELAY_PUBLIC_URL,
    dir: resolve(env.RELAY_ATTACHMENTS_DIR),
    policy: {
      maxFiles: env.RELAY_ATTACHMENT_MAX_FILES,
      maxFileBytes: env.RELAY_ATTACHMENT_MAX_FILE_MB,
      maxTotalBytes: env.RELAY_ATTACHMENT_MAX_TOTAL_MB,
      // What browsers may claim for the accepted types, too: the widget checks the claim.
      types: [...accepted, ...accepted.flatMap(claimedAs)],
      ...(s3?.directUpload === true ? { direct: true } : {}),
    },
    rules: {
      accepted,
      allowActive: env.RELAY_ATTACHMENT_ALLOW_ACTIVE,
      keepGps: env.RELAY_ATTACHMENT_KEEP_GPS,
      pdfScripts: env.RELAY_ATTACHMENT_PDF_SCRIPTS,
    },
    lifetimes: {
      orphanMs: env.RELAY_ATTACHMENT_ORPHAN_MINUTES * 60_000,
      retentionMs: env.RELAY_ATTACHMENT_RETENTION_DAYS * 24 * 3600_000,
    },
    s3,
  };
}

function isPlainHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return /^https?:$/.test(url.protocol) && url.username === '' && url.password === '' && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}
