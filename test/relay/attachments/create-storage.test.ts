import { describe, expect, it } from 'vitest';
import { createStorage } from '../../../src/relay/attachments/create-storage';
import { ConfigError } from '../../../src/relay/config';
import { testConfig } from '../helpers';

describe('createStorage', () => {
  it('refuses RELAY_ATTACHMENTS=r2 on Node, naming the variable: the bucket is a Worker binding', () => {
    const config = testConfig({ RELAY_ATTACHMENTS: 'r2' }).attachments;
    expect(() => createStorage(config)).toThrow(ConfigError);
    expect(() => createStorage(config)).toThrow(/RELAY_ATTACHMENTS.*Cloudflare Workers/);
  });

  it('has no storage with attachments off', () => {
    expect(createStorage(testConfig({ RELAY_ATTACHMENTS: 'off' }).attachments)).toBeUndefined();
  });
});
