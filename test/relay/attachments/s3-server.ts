/**
 * An S3-compatible server on 127.0.0.1 for tests: s3rver over a temporary folder, with one bucket,
 * behind a small proxy. s3rver checks the key id but not V4 signatures; the proxy can check the
 * signature of pre-signed URLs over the headers they sign, as AWS does (`checkSignedHeaders`),
 * counts the bytes of each answer it sends (`served`), and notes the answers cut off (`cut`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsV4Signer } from 'aws4fetch';
// @ts-expect-error s3rver ships no types.
import S3rver from 's3rver';

export const BUCKET = 'relay-attachments';
/** s3rver's built-in account. */
export const S3_KEY = 'S3RVER';

export interface RunningS3 {
  endpoint: string;
  /** Refuse (403) a pre-signed request whose signed headers (Content-Length, say) differ from what was signed. Off by default, like s3rver. */
  checkSignedHeaders: boolean;
  /** Bytes of answer bodies sent, by method and path (without the query): `GET /bucket/key`. */
  served: Map<string, number>;
  /** The requests (as in `served`) whose client closed the connection before the whole answer was sent. */
  cut: Set<string>;
  close(): Promise<void>;
}

export async function startS3(): Promise<RunningS3> {
  const directory = await mkdtemp(join(tmpdir(), 'relay-s3-'));
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET }] }) as {
    run(): Promise<AddressInfo>;
    httpServer: Server;
  };
  const { port } = await s3.run();
  const running: RunningS3 = { endpoint: '', checkSignedHeaders: false, served: new Map(), cut: new Set(), close: async () => {} };

  const proxy = createServer((incoming, answer) => {
    void (async () => {
      const url = new URL(incoming.url ?? '/', `http://${incoming.headers.host}`);
      if (running.checkSignedHeaders && url.searchParams.has('X-Amz-Signature') && !(await presignedMatches(incoming, url))) {
        incoming.resume();
        answer.writeHead(403, { 'Content-Type': 'application/xml' }).end('<Error><Code>SignatureDoesNotMatch</Code></Error>');
        return;
      }
      const upstream = request({ host: '127.0.0.1', port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (response) => {
        answer.writeHead(response.statusCode ?? 502, response.headers);
        const served = `${incoming.method} ${url.pathname}`;
        response.on('data', (chunk: Buffer) => running.served.set(served, (running.served.get(served) ?? 0) + chunk.length));
        response.pipe(answer);
        answer.on('close', () => {
          if (!answer.writableFinished) running.cut.add(served);
          response.destroy();
        });
      });
      upstream.on('error', () => answer.destroy());
      incoming.pipe(upstream);
    })();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  running.endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  running.close = async () => {
    proxy.closeAllConnections();
    s3.httpServer.closeAllConnections();
    await Promise.all([new Promise((resolve) => proxy.close(resolve)), new Promise((resolve) => s3.httpServer.close(resolve))]);
    await rm(directory, { recursive: true, force: true });
  };
  return running;
}

/** Whether a pre-signed request carries the signature of its URL and of the values it has for the headers the URL signs. */
async function presignedMatches(incoming: IncomingMessage, url: URL): Promise<boolean> {
  const unsigned = new URL(url);
  for (const param of ['X-Amz-Signature', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-SignedHeaders', 'X-Amz-Date']) unsigned.searchParams.delete(param);
  const headers: Record<string, string> = {};
  for (const name of (url.searchParams.get('X-Amz-SignedHeaders') ?? '').split(';')) {
    if (name !== 'host') headers[name] = String(incoming.headers[name] ?? '');
  }
  const signed = await new AwsV4Signer({
    url: unsigned.href,
    method: incoming.method ?? 'GET',
    headers,
    accessKeyId: S3_KEY,
    secretAccessKey: S3_KEY,
    service: 's3',
    region: 'us-east-1',
    datetime: url.searchParams.get('X-Amz-Date') ?? '',
    signQuery: true,
    allHeaders: true,
  }).sign();
  return new URL(signed.url).searchParams.get('X-Amz-Signature') === url.searchParams.get('X-Amz-Signature');
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
