/**
 * HTTP requests from chosen loopback addresses (127.0.0.0/8 all reach this machine), so the abuse
 * suite can play one client or hundreds against a relay on 127.0.0.1. Loopback only, by design.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface LoopbackResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface LoopbackRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The source address: `127.0.0.1` unless another loopback address is named. */
  from?: string;
  /** Gives up after this long (default 30 s); the result then has status 0. */
  timeoutMs?: number;
}

const isLoopback = (url: URL) => url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';

/** One request, answered as status, headers and text; status 0 when the connection failed or timed out. */
export function send({ url, method = 'GET', headers = {}, body, from = '127.0.0.1', timeoutMs = 30_000 }: LoopbackRequest): Promise<LoopbackResponse> {
  const target = new URL(url);
  if (!isLoopback(target) || !from.startsWith('127.')) throw new Error(`the abuse suite only talks to loopback, not ${url} from ${from}`);
  return new Promise((resolve) => {
    const request = httpRequest(
      target,
      {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }) },
        localAddress: from,
        agent: false,
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', () => resolve({ status: 0, headers: {}, text: '' }));
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve({ status: 0, headers: {}, text: '' }));
    request.end(body);
  });
}

/**
 * A connection that sends the head of a request declaring `declaredBytes` of body, then `sentBytes`
 * of it, then nothing: a slow (or stalled) client. `closedAt` says when the server dropped it.
 */
export interface StalledConnection {
  socket: Socket;
  /** Milliseconds from opening to the server closing it; undefined while it is open. */
  closedAfterMs: number | undefined;
  /** What the server answered, if anything, before closing. */
  answer: string;
}

export function stall(url: string, { from, path, head, declaredBytes, prefix = '' }: {
  from: string;
  path: string;
  /** Extra header lines. */
  head: Record<string, string>;
  declaredBytes: number;
  prefix?: string;
}): Promise<StalledConnection> {
  const target = new URL(url);
  if (!isLoopback(target) || !from.startsWith('127.')) throw new Error('loopback only');
  return new Promise((resolve, reject) => {
    const opened = Date.now();
    const socket = connect({ host: target.hostname, port: Number(target.port), localAddress: from });
    const connection: StalledConnection = { socket, closedAfterMs: undefined, answer: '' };
    socket.on('data', (chunk: Buffer) => {
      connection.answer += chunk.toString('utf8');
    });
    socket.on('close', () => {
      connection.closedAfterMs = Date.now() - opened;
    });
    socket.once('error', () => {});
    socket.once('connect', () => {
      const lines = [`POST ${path} HTTP/1.1`, `Host: ${target.host}`, `Content-Length: ${declaredBytes}`, ...Object.entries(head).map(([k, v]) => `${k}: ${v}`)];
      socket.write(`${lines.join('\r\n')}\r\n\r\n${prefix}`);
      resolve(connection);
    });
    socket.once('error', reject);
  });
}
