import fc from 'fast-check';
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

  it('writes what a sort-and-join of the entries of each object writes, for any JSON value and undefined members and items', () => {
    // The plain way to write it, kept here as its specification.
    const reference = (value: unknown): string => {
      if (Array.isArray(value)) return `[${value.map((item) => reference(item ?? null)).join(',')}]`;
      if (typeof value === 'object' && value !== null) {
        const members = Object.entries(value)
          .filter(([, member]) => member !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([key, member]) => `${JSON.stringify(key)}:${reference(member)}`);
        return `{${members.join(',')}}`;
      }
      return JSON.stringify(value);
    };
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), fc.array(fc.option(tie('tree'), { nil: undefined })), fc.dictionary(fc.string(), fc.option(tie('tree'), { nil: undefined }))),
    }));
    fc.assert(fc.property(tree, (value) => canonicalJson(value) === reference(value)));
  });
});
