import { afterEach, describe, expect, it } from 'vitest';
import { LAUNCHED_ENV, semiSpaceFlags, semiSpaceMb } from '../../src/relay/semi-space';

const linux = { execArgv: [] as string[], nodeOptions: undefined, platform: 'linux' as const };

describe('semiSpaceFlags: whether the command starts Node again, and with what', () => {
  afterEach(() => {
    delete process.env[LAUNCHED_ENV];
  });

  it('fixes both semi-spaces at the size asked for', () => {
    expect(semiSpaceFlags(32, linux)).toEqual(['--min-semi-space-size=32', '--max-semi-space-size=32']);
    expect(semiSpaceFlags(8, { ...linux, execArgv: ['--import', 'tsx', '--max-old-space-size=512'] })).toEqual(['--min-semi-space-size=8', '--max-semi-space-size=8']);
  });

  it("keeps Node's own young generation, in one process, for 0", () => {
    expect(semiSpaceFlags(0, linux)).toBeUndefined();
  });

  it.each([
    ['on the command line', { execArgv: ['--max-semi-space-size=64'] }],
    ['with underscores', { execArgv: ['--min_semi_space_size=4'] }],
    ['as a separate value', { execArgv: ['--max-semi-space-size', '64'] }],
    ['in NODE_OPTIONS', { nodeOptions: '--enable-source-maps  --max-semi-space-size=16' }],
    ['debugging: --inspect', { execArgv: ['--inspect'] }],
    ['debugging: --inspect-brk=9230', { execArgv: ['--inspect-brk=9230'] }],
    ['debugging, in NODE_OPTIONS', { nodeOptions: '--inspect-wait' }],
  ])("leaves the operator's own semi-space flags, or their debugger, alone, in one process (%s)", (_where, given) => {
    expect(semiSpaceFlags(32, { ...linux, ...given })).toBeUndefined();
  });

  it('runs in one process on Windows, where signals could not be passed on', () => {
    expect(semiSpaceFlags(32, { ...linux, platform: 'win32' })).toBeUndefined();
  });

  it('reads RELAY_SEMI_SPACE_MB itself as the configuration does, leaving a bad value to the relay to refuse (in one process)', () => {
    for (const unset of [undefined, '', '  ']) expect(semiSpaceMb(unset)).toBe(32);
    expect(semiSpaceMb(' 64 ')).toBe(64);
    expect(semiSpaceMb('00064')).toBe(64);
    expect(semiSpaceMb('0')).toBe(0);
    for (const bad of ['1025', '-1', '3.5', '32mb', '99999']) {
      expect(semiSpaceMb(bad)).toBeUndefined();
      expect(semiSpaceFlags(semiSpaceMb(bad), linux)).toBeUndefined();
    }
  });

  it('never starts Node again from the relay a launcher started', () => {
    process.env[LAUNCHED_ENV] = '1';
    expect(semiSpaceFlags(32, linux)).toBeUndefined();
  });
});
