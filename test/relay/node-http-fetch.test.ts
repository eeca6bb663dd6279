import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Server as TcpServer, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { failedBeforeSending, isTimeout } from '../../src/relay/upstream/fetch-errors';
import { createNodeHttpFetch } from '../../src/relay/upstream/node-http-fetch';
import { freePort } from '../support/redis-server';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server on 127.0.0.1 answering every request with `handle`; its base URL. */
async function serve(handle: (request: IncomingMessage, body: string, response: ServerResponse) => void): Promise<string> {
  const listening = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => handle(request, body, response));
  });
  server = listening;
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
}

const call = (init: { body?: string; timeoutMs?: number } = {}) => ({
  method: 'POST' as const,
  headers: { Authorization: 'Bearer token-1', 'Content-Type': 'application/json' },
  redirect: 'manual' as const,
  signal: AbortSignal.timeout(init.timeoutMs ?? 5000),
  ...(init.body === undefined ? {} : { body: init.body }),
});

describe('the Node upstream fetch (undici)', () => {
  it('sends the method, headers and body, and reads status, Retry-After and the text', async () => {
    const seen: { method?: string; headers?: IncomingMessage['headers']; body?: string } = {};
    const url = await serve((request, body, response) => {
      Object.assign(seen, { method: request.method, headers: request.headers, body });
      response.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '7' }).end('\uFEFF{"errorCode":-1,"data":"ø"}');
    });
    const answer = await createNodeHttpFetch()(`${url}/tickets`, call({ body: '{"title":"ø"}' }));
    expect(seen).toMatchObject({ method: 'POST', body: '{"title":"ø"}' });
    expect(seen.headers).toMatchObject({ authorization: 'Bearer token-1', 'content-type': 'application/json', 'content-length': '14' });
    expect(answer.status).toBe(429);
    expect(answer.headers.get('Retry-After')).toBe('7');
    expect(answer.headers.get('X-Absent')).toBeNull();
    // As Response.text(): UTF-8, the byte order mark skipped.
    expect(await answer.text()).toBe('{"errorCode":-1,"data":"ø"}');
  });

  it('fails with the signal’s TimeoutError when the answer takes too long, the request sent', async () => {
    const url = await serve(() => undefined);
    const failed = await createNodeHttpFetch()(`${url}/tickets`, call({ timeoutMs: 100 })).catch((error: unknown) => error);
    expect(isTimeout(failed)).toBe(true);
    expect(failedBeforeSending(failed)).toBe(false);
  });

  it('says a refused connection sent nothing', async () => {
    const port = await freePort();
    const failed = await createNodeHttpFetch()(`http://127.0.0.1:${port}/tickets`, call()).catch((error: unknown) => error);
    expect(failedBeforeSending(failed)).toBe(true);
  });

  describe('a connection that never opens (a TLS handshake nobody answers)', () => {
    let silent: TcpServer | undefined;
    const sockets = new Set<Socket>();
    afterEach(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent?.close(resolve) ?? resolve(undefined));
      silent = undefined;
    });
    /** An https URL whose server takes the TCP connection and then says nothing, so TLS never completes. */
    async function silentHttps(): Promise<string> {
      const listening = createTcpServer((socket) => sockets.add(socket));
      silent = listening;
      await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
      return `https://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    }

    it('fails as sent-nothing after the connect timeout, as Node’s fetch does, not as a maybe-sent timeout', async () => {
      const url = await silentHttps();
      const failed = await createNodeHttpFetch({ connectTimeoutMs: 150 })(`${url}/tickets`, call()).catch((error: unknown) => error);
      expect(failedBeforeSending(failed)).toBe(true);
      expect(isTimeout(failed)).toBe(false);
    });

    it('says sent-nothing when the call’s own time limit comes before the connection', async () => {
      const url = await silentHttps();
      const failed = await createNodeHttpFetch()(`${url}/tickets`, call({ timeoutMs: 150 })).catch((error: unknown) => error);
      expect(failedBeforeSending(failed)).toBe(true);
    });
  });

  it('never says sent-nothing for an answer it cannot read: a 100 Continue nobody asked for, then 201', async () => {
    const sockets = new Set<Socket>();
    const raw = createTcpServer((socket) => {
      sockets.add(socket);
      socket.once('data', () => socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}'));
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
      const outcome = await createNodeHttpFetch()(`${url}/tickets`, call()).then(
        (answer) => answer.status,
        (error: unknown) => error,
      );
      // node:http read past it to the 201; undici refuses it: then the ticket may exist, so the call may have been sent.
      if (outcome !== 201) {
        expect(outcome).toBeInstanceOf(Error);
        expect(failedBeforeSending(outcome)).toBe(false);
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => raw.close(resolve));
    }
  });

  it('rejects the text of an answer that breaks off, after its status came in', async () => {
    const url = await serve((_request, _body, response) => {
      response.writeHead(200, { 'Content-Length': '100' });
      response.write('{"errorCode":');
      setTimeout(() => response.socket?.destroy(), 50);
    });
    const answer = await createNodeHttpFetch()(`${url}/tickets`, call());
    expect(answer.status).toBe(200);
    await expect(answer.text()).rejects.toBeInstanceOf(Error);
  });
});
