/**
 * Who the client is: the socket's address, or the hop that trusted proxies vouch for; the key its
 * limits are counted under; and the keyed hash that stands for it in log lines.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

export interface ClientAddressOptions {
  /** How many reverse proxies in front of the relay append to the header (RELAY_TRUSTED_PROXIES). */
  trustedProxies: number;
  /** Which header they append to. */
  forwardedHeader: 'x-forwarded-for' | 'forwarded';
}

/** The address when the socket's is unknown (tests through `app.request()`, a runtime that hides it). */
const UNKNOWN_ADDRESS = 'unknown';

/**
 * The client's address. Each trusted proxy appends the address it received the request from, so
 * the chain is `[...header hops, socket]`; the client is the hop `trustedProxies` places from the
 * right. Hops to the left of it were written by the client itself and prove nothing, so they are
 * never used: with 0 trusted proxies the header is ignored. A chain shorter than promised (the
 * request bypassed a proxy) falls back to its leftmost valid hop, which is still one a proxy or
 * the socket wrote, never a forgery from further left.
 */
export function clientAddress(socketAddress: string | undefined, header: string | undefined, options: ClientAddressOptions): string {
  const socket = normalise(socketAddress) ?? UNKNOWN_ADDRESS;
  if (options.trustedProxies === 0 || header === undefined) return socket;
  const hops = options.forwardedHeader === 'forwarded' ? forwardedFor(header) : header.split(',');
  const chain = [...hops.map((hop) => normalise(hop.trim())), socket];
  const index = chain.length - 1 - options.trustedProxies;
  for (let i = Math.max(index, 0); i < chain.length; i += 1) {
    const hop = chain[i];
    if (hop !== undefined) return hop;
  }
  return socket;
}

/** The `for=` values of a `Forwarded` header (RFC 7239), in order; quoted, bracketed and with ports. */
function forwardedFor(header: string): string[] {
  const hops: string[] = [];
  for (const element of header.split(',')) {
    for (const pair of element.split(';')) {
      const [name, ...rest] = pair.split('=');
      if (name?.trim().toLowerCase() === 'for') hops.push(rest.join('=').trim().replace(/^"|"$/g, ''));
    }
  }
  return hops;
}

/** An IP address in canonical text, ports and brackets removed, IPv4-mapped IPv6 as IPv4; undefined if it is not one. */
function normalise(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  let text = raw;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed?.[1] !== undefined) text = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  text = text.toLowerCase().replace(/%.*$/, '');
  if (text.startsWith('::ffff:') && isIP(text.slice(7)) === 4) text = text.slice(7);
  const family = isIP(text);
  if (family === 0) return undefined;
  return family === 6 ? expand(text) : text;
}

/** An IPv6 address with every group written out, so one address has one text. */
function expand(address: string): string {
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail (::ffff:1.2.3.4 forms other than the mapped one) counts as two groups.
  const groups = [...left, ...Array<string>(8 - left.length - right.length - (right.at(-1)?.includes('.') ? 1 : 0)).fill('0'), ...right];
  return groups.map((group) => (group.includes('.') ? group : group.padStart(4, '0'))).join(':');
}

/**
 * The key limits are counted under: an IPv4 address as it is, an IPv6 address by its /64 network,
 * since one household or phone gets a whole /64 and can pick any address in it.
 */
export function clientKey(address: string): string {
  if (isIP(address) !== 6) return address;
  return `${address.split(':').slice(0, 4).join(':')}::/64`;
}

/**
 * The network a client key belongs to: an IPv4 address's /24, an IPv6 /64's /48 (one site's or
 * one cloud customer's block). Caps shared by a whole network hold when one party rotates through
 * many addresses of its block.
 */
export function networkKey(clientKey: string): string {
  if (isIP(clientKey) === 4) return `${clientKey.split('.').slice(0, 3).join('.')}.0/24`;
  if (clientKey.endsWith('::/64')) return `${clientKey.split(':').slice(0, 3).join(':')}::/48`;
  return clientKey;
}

/**
 * Names clients in log lines by a keyed hash (HMAC-SHA-256, 64 bits) of their limit key rather
 * than the address itself: an address is personal data, and a plain hash of an IPv4 address is
 * reversed by trying all 2³² of them. With the key (RELAY_LOG_CLIENT_KEY) an operator can still
 * follow one client through the log and check a suspect's address; without it, a new random key
 * per start makes lines comparable only within one run.
 */
export function createClientHasher(key: string | null): (clientKey: string) => string {
  const secret = key ?? randomBytes(32).toString('hex');
  return (value) => createHmac('sha256', secret).update(value).digest('hex').slice(0, 16);
}
