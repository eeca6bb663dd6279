/** Picks the storage RELAY_ATTACHMENTS names. */
import { ConfigError } from '../config';
import type { AttachmentsConfig } from './attachments-config';
import { createDiskStorage } from './disk-storage';
import { createS3Storage } from './s3-storage';
import type { AttachmentStorage } from './storage';

/** The configured storage, or undefined when attachments are off. */
export function createStorage(config: AttachmentsConfig): AttachmentStorage | undefined {
  switch (config.storage) {
    case 'off':
      return undefined;
    case 'disk':
      return createDiskStorage(config.dir);
    case 's3':
      // attachments-config.ts requires the S3 variables whenever RELAY_ATTACHMENTS=s3, so this is a
      // bug in the caller; turning it into "attachments off" would hide it.
      if (config.s3 === undefined) throw new Error('createStorage: RELAY_ATTACHMENTS=s3 without S3 settings');
      return createS3Storage(config.s3);
    case 'r2':
      throw new ConfigError([{ variable: 'RELAY_ATTACHMENTS', reason: 'r2 is for the relay on Cloudflare Workers (its ATTACHMENTS binding); use s3 with R2\'s S3 endpoint here' }]);
  }
}
