/**
 * RELAY_SEMI_SPACE_MB: the young generation the command gives the relay (launcher.ts), read before
 * the relay's modules load, and the flags it becomes. Nothing here imports Node's modules: config.ts
 * (which the Workers adapter loads too) takes the variable's default and range from here.
 */

/** Set in the relay's environment by its launcher: the relay stops when the launcher is gone. */
export const LAUNCHED_ENV = 'SOCIALBOARDS_RELAY_LAUNCHED';

/** RELAY_SEMI_SPACE_MB when unset, and its range (config.ts checks it with the other variables). */
export const DEFAULT_SEMI_SPACE_MB = 32;
export const MAX_SEMI_SPACE_MB = 1024;

/** A young generation flag of V8's, in any spelling Node accepts (`--max-semi-space-size`, `--max_semi_space_size=…`). */
const SEMI_SPACE_FLAG = /^--(?:min|max)[-_]semi[-_]space[-_]size(?:=|$)/;

/**
 * RELAY_SEMI_SPACE_MB read here, before the relay's modules load (so that the launcher holds none
 * of them), as config.ts reads it: blank is unset. The size, or undefined when the value is not one
 * (then nothing is launched, and the relay, in this process, refuses it with every other bad variable).
 */
export function semiSpaceMb(value: string | undefined): number | undefined {
  const text = value?.trim() ?? '';
  if (text === '') return DEFAULT_SEMI_SPACE_MB;
  if (!/^\d+$/.test(text) || Number(text) > MAX_SEMI_SPACE_MB) return undefined;
  return Number(text);
}

/** Node's inspector flags: someone debugging the relay wants it in the process they started. */
const INSPECT_FLAG = /^--inspect(?:-brk|-wait|-port)?(?:=|$)/;

/**
 * The flags the relay should run with, or undefined when it runs in this process as it is: the
 * operator asked for Node's own young generation (`0`, or a value the relay will refuse), gave
 * Node semi-space flags of their own (on the command line or in NODE_OPTIONS: theirs win, and the
 * relay's own process has them), or runs it on Windows, where a launcher could not pass signals on
 * (the relay then runs with Node's defaults; pass the flags to `node` yourself), or started Node
 * with its inspector (`--inspect`: the relay is debugged where it was started). Never in the relay
 * a launcher started, whatever its flags say.
 */
export function semiSpaceFlags(
  mb: number | undefined,
  { execArgv, nodeOptions, platform }: { execArgv: readonly string[]; nodeOptions: string | undefined; platform: NodeJS.Platform },
): string[] | undefined {
  if (mb === undefined || mb === 0 || platform === 'win32' || process.env[LAUNCHED_ENV] === '1') return undefined;
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  if (given.some((flag) => SEMI_SPACE_FLAG.test(flag) || INSPECT_FLAG.test(flag))) return undefined;
  return [`--min-semi-space-size=${mb}`, `--max-semi-space-size=${mb}`];
}
