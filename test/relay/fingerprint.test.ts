import { describe, expect, it } from 'vitest';
import { canonicalJson, fingerprint } from '../../src/relay/fingerprint';

describe('fingerprint', () => {
  it('ignores key order at every depth', async () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(await fingerprint({ a: 1, b: { c: 2, d: 3 } })).toBe(await fingerprint({ b: { d: 3, c: 2 }, a: 1 }));
  });

  it('drops undefined members like JSON does', () => {
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
  });

  it('differs when a value differs', async () => {
    expect(await fingerprint({ message: 'a' })).not.toBe(await fingerprint({ message: 'b' }));
  });

  it('is a hex SHA-256', async () => {
    expect(await fingerprint('')).toBe('12ae32cb1ec02d01eda3581b127c1fee3b0dc53572ed6baf239721a03d82e126');
  });
});
