import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/relay/log';
import type { LogLevel } from '../../src/relay/log';

function linesAt(level: LogLevel): string[] {
  const lines: string[] = [];
  const log = createLogger({ level, write: (line) => lines.push(line), now: () => 0 });
  log.debug('d');
  log.info('i', { status: 201 });
  log.warn('w');
  log.error('e');
  return lines;
}

describe('logger', () => {
  it('writes one JSON object per line with level, msg, time and fields', () => {
    expect(JSON.parse(linesAt('info')[0] ?? '')).toEqual({ level: 'info', msg: 'i', time: '1970-01-01T00:00:00.000Z', status: 201 });
  });

  it.each([
    ['debug', ['d', 'i', 'w', 'e']],
    ['info', ['i', 'w', 'e']],
    ['silent', []],
  ] as const)('at %s writes %j', (level, messages) => {
    expect(linesAt(level).map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(messages);
  });

  it('says it is silent only at silent, so that callers may skip building lines nobody writes', () => {
    expect((['silent', 'info', 'debug'] as const).map((level) => createLogger({ level, write: () => {} }).silent)).toEqual([true, false, false]);
  });
});
