import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TYPES } from '../../../src/relay/attachments/media-types';
import { storeFile, UploadMismatch } from '../../../src/relay/attachments/receive-upload';
import { captureLogs } from '../helpers';
import { memoryStorage } from './memory-storage';

const options = () => {
  const { storage, bytes } = memoryStorage();
  return {
    storage,
    bytes,
    rules: { accepted: DEFAULT_TYPES, allowActive: false, keepGps: false, pdfScripts: 'refuse' as const },
    maxFileBytes: 1024 * 1024,
    now: () => 1,
    log: captureLogs().log,
  };
};

/**
 * An endless source, as a network body is: each chunk arrives on a later turn of the event loop
 * (the checks run between chunks). Its first chunk starts with `head`, then zeros; counts how often it was read.
 */
function endless(head: Buffer) {
  const source = Object.assign(
    new Readable({
      read() {
        source.pulled += 1;
        const chunk = source.pulled === 1 ? Buffer.concat([head, Buffer.alloc(8192 - head.length)]) : Buffer.alloc(8192);
        setImmediate(() => this.push(chunk));
      },
    }),
    { pulled: 0 },
  );
  return source;
}

describe('storeFile', () => {
  it('stops reading its source once the file is refused, even while something else listens to it', async () => {
    const source = endless(Buffer.from('MZ'));
    // As the direct-upload route's size guard does: a 'data' listener keeps a stream flowing.
    source.on('data', () => {});
    try {
      const { outcome } = storeFile(source, 'invoice.pdf', options());
      expect(await outcome).toMatchObject({ ok: false, error: { code: 'unsupported_media_type' } });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const pulled = source.pulled;
      await new Promise((resolve) => setTimeout(resolve, 50));

      expect(source.destroyed).toBe(true);
      expect(source.pulled).toBe(pulled);
    } finally {
      source.destroy();
    }
  });

  it('answers a source’s own refusal (an upload not the size declared) with its message, and stores nothing', async () => {
    const settings = options();
    const source = new Readable({
      read() {
        this.destroy(new UploadMismatch('The file uploaded is not the size declared (9 bytes).'));
      },
    });

    const { key, outcome } = storeFile(source, 'a.pdf', settings);

    expect(await outcome).toEqual({
      ok: false,
      error: { code: 'validation', message: 'The file uploaded is not the size declared (9 bytes).', fields: [{ path: 'file', code: 'invalid' }] },
    });
    expect(await settings.storage.getMeta(key)).toBeUndefined();
    expect(settings.bytes.size).toBe(0);
  });

  it('answers any other source failure as an interrupted upload', async () => {
    const source = new Readable({
      read() {
        this.destroy(new Error('socket hang up'));
      },
    });
    expect(await storeFile(source, 'a.pdf', options()).outcome).toMatchObject({ ok: false, error: { code: 'validation', message: 'The upload was interrupted.' } });
  });
});
