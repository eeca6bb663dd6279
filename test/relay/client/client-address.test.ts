import { describe, expect, it } from 'vitest';
import { clientAddress, clientKey, createClientHasher, networkKey } from '../../../src/relay/client/client-address';

const direct = { trustedProxies: 0, forwardedHeader: 'x-forwarded-for' } as const;
const behind = (trustedProxies: number, forwardedHeader: 'x-forwarded-for' | 'forwarded' = 'x-forwarded-for') => ({ trustedProxies, forwardedHeader });

describe('clientAddress', () => {
  it('is the socket address when no proxy is trusted, whatever the header claims', () => {
    expect(clientAddress('203.0.113.7', '198.51.100.1', direct)).toBe('203.0.113.7');
  });

  it('takes the hop the one trusted proxy appended, never one the client wrote', () => {
    // The client forged "1.1.1.1"; the proxy appended the address it saw, 198.51.100.9.
    expect(clientAddress('10.0.0.2', '1.1.1.1, 198.51.100.9', behind(1))).toBe('198.51.100.9');
  });

  it('counts trusted proxies from the right', () => {
    // client 198.51.100.9 → proxy A (10.0.0.5) → proxy B (10.0.0.2) → relay
    expect(clientAddress('10.0.0.2', '6.6.6.6, 198.51.100.9, 10.0.0.5', behind(2))).toBe('198.51.100.9');
  });

  it('falls back to the leftmost hop a proxy wrote when the chain is shorter than promised', () => {
    expect(clientAddress('10.0.0.2', '198.51.100.9', behind(3))).toBe('198.51.100.9');
    expect(clientAddress('203.0.113.7', undefined, behind(1))).toBe('203.0.113.7');
  });

  it('skips a hop that is not an address, moving right (towards what proxies wrote)', () => {
    expect(clientAddress('10.0.0.2', 'garbage, unknown', behind(1))).toBe('10.0.0.2');
  });

  it('reads RFC 7239 Forwarded headers, with quotes, brackets and ports', () => {
    const header = 'for=6.6.6.6;proto=https, for="[2001:db8:cafe::17]:4711";by=10.0.0.5';
    expect(clientAddress('10.0.0.2', header, behind(1, 'forwarded'))).toBe('2001:0db8:cafe:0000:0000:0000:0000:0017');
    expect(clientAddress('10.0.0.2', 'for=192.0.2.60:8080', behind(1, 'forwarded'))).toBe('192.0.2.60');
  });

  it('writes one address one way: IPv4-mapped IPv6 as IPv4, IPv6 expanded and lower-case', () => {
    expect(clientAddress('::ffff:203.0.113.7', undefined, direct)).toBe('203.0.113.7');
    expect(clientAddress('2001:DB8::1', undefined, direct)).toBe('2001:0db8:0000:0000:0000:0000:0000:0001');
    expect(clientAddress('::1', undefined, direct)).toBe('0000:0000:0000:0000:0000:0000:0000:0001');
  });

  it('is "unknown" without a socket address', () => {
    expect(clientAddress(undefined, undefined, direct)).toBe('unknown');
  });
});

describe('clientKey', () => {
  it('counts IPv4 by address and IPv6 by its /64', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:0db8:cafe:0001:aaaa:bbbb:cccc:dddd')).toBe(clientKey('2001:0db8:cafe:0001:0000:0000:0000:0001'));
    expect(clientKey('2001:0db8:cafe:0001:0000:0000:0000:0001')).not.toBe(clientKey('2001:0db8:cafe:0002:0000:0000:0000:0001'));
  });
});

describe('networkKey', () => {
  it('groups IPv4 clients by /24 and IPv6 clients by /48', () => {
    expect(networkKey('203.0.113.7')).toBe('203.0.113.0/24');
    expect(networkKey(clientKey('2001:0db8:cafe:0001:0000:0000:0000:0001'))).toBe('2001:0db8:cafe::/48');
    expect(networkKey('unknown')).toBe('unknown');
  });
});

describe('createClientHasher', () => {
  it('names a client by a keyed hash: stable under one key, different under another, never the address', () => {
    const hash = createClientHasher('0123456789abcdef0123');
    expect(hash('203.0.113.7')).toBe(hash('203.0.113.7'));
    expect(hash('203.0.113.7')).not.toBe(hash('203.0.113.8'));
    expect(hash('203.0.113.7')).toMatch(/^[\da-f]{16}$/);
    expect(createClientHasher('another-key-0123456789')('203.0.113.7')).not.toBe(hash('203.0.113.7'));
    expect(createClientHasher(null)('203.0.113.7')).not.toBe(createClientHasher(null)('203.0.113.7'));
  });
});
