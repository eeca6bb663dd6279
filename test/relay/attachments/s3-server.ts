/** An S3-compatible server on 127.0.0.1 for tests: s3rver over a temporary folder, with one bucket. */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error s3rver ships no types.
import S3rver from 's3rver';

export const BUCKET = 'relay-attachments';
/** s3rver's built-in account; it checks the key id, not V4 signatures. */
export const S3_KEY = 'S3RVER';

export interface RunningS3 {
  endpoint: string;
  close(): Promise<void>;
}

export async function startS3(): Promise<RunningS3> {
  const directory = await mkdtemp(join(tmpdir(), 'relay-s3-'));
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET }] }) as {
    run(): Promise<AddressInfo>;
    httpServer: Server;
  };
  const address = await s3.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: async () => {
      s3.httpServer.closeAllConnections();
      await new Promise((resolve) => s3.httpServer.close(resolve));
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The relay variables for it. */
export const s3Env = (s3: RunningS3, extra: Record<string, string> = {}): Record<string, string> => ({
  RELAY_ATTACHMENTS: 's3',
  S3_BUCKET: BUCKET,
  S3_ACCESS_KEY_ID: S3_KEY,
  S3_SECRET_ACCESS_KEY: S3_KEY,
  S3_ENDPOINT: s3.endpoint,
  ...extra,
});
