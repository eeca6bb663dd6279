/** Structured logging: one JSON object per line, so any log shipper can parse the relay's output. */

export type LogLevel = 'silent' | 'info' | 'debug';

/** Fields attached to a log line. Callers pass only what is safe to keep: never a credential or visitor text. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** True when it writes no line at all (RELAY_LOG=silent): a caller may skip building them. */
  readonly silent?: boolean;
}

type LineLevel = Exclude<keyof Logger, 'silent'>;

const RANK: Record<LineLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const THRESHOLD: Record<LogLevel, number> = { debug: 0, info: 1, silent: Number.POSITIVE_INFINITY };

export interface LoggerOptions {
  level: LogLevel;
  /** Where each line goes; stdout by default. Tests pass a collector. */
  write?: (line: string) => void;
  now?: () => number;
}

/** Creates a logger that writes `{level, msg, time, ...fields}` lines at or above `level`. */
export function createLogger({ level, write = writeStdout, now = Date.now }: LoggerOptions): Logger {
  const emit = (lineLevel: LineLevel) => (msg: string, fields: LogFields = {}) => {
    if (RANK[lineLevel] < THRESHOLD[level]) return;
    write(JSON.stringify({ level: lineLevel, msg, time: new Date(now()).toISOString(), ...fields }));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), silent: level === 'silent' };
}

function writeStdout(line: string): void {
  process.stdout.write(`${line}\n`);
}
