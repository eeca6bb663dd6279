/**
 * The relay benchmark's baseline: a bare Node proxy that forwards `POST /tickets` to the fake
 * Socialboards' Create Ticket with the access token it was given, and pipes the answer back. No
 * validation, no store, no limits: what any proxy in front of Socialboards costs at least.
 * Run as a child process: PASSTHROUGH_PORT, PASSTHROUGH_UPSTREAM (the fake's URL), PASSTHROUGH_TOKEN.
 */
import { Agent, createServer, request } from 'node:http';

const upstream = new URL(process.env.PASSTHROUGH_UPSTREAM ?? '');
const authorization = `Bearer ${process.env.PASSTHROUGH_TOKEN ?? ''}`;
// Keep-alive and no socket cap, as the relay's fetch (undici) pools its upstream connections.
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

const server = createServer((incoming, outgoing) => {
  if (incoming.method !== 'POST' || incoming.url !== '/tickets') {
    outgoing.writeHead(404).end();
    return;
  }
  const forwarded = request(
    {
      agent,
      host: upstream.hostname,
      port: upstream.port,
      method: 'POST',
      path: '/tickets',
      headers: { 'Content-Type': 'application/json', Authorization: authorization },
    },
    (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, { 'Content-Type': answer.headers['content-type'] ?? 'application/json' });
      answer.pipe(outgoing);
    },
  );
  forwarded.on('error', () => outgoing.headersSent ? outgoing.destroy() : outgoing.writeHead(502).end());
  incoming.pipe(forwarded);
});

server.listen(Number(process.env.PASSTHROUGH_PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  if (typeof address === 'object' && address !== null) console.log(`passthrough: http://127.0.0.1:${address.port}`);
});
