/**
 * The processes of a relay started as a command: its launcher (the process a test spawns) and the
 * relay Node it starts with its young generation (src/relay/launcher.ts), in a process group of its
 * own. Tests that crash a relay kill both; the benchmarks measure both. Linux only (/proc).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** /proc/PID/stat's fields after `(comm)`: state is [0], ppid [1]. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The Node processes `pid` started (not its helpers, such as tsx's esbuild service). */
export function nodeChildren(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((child) => statFields(child)?.[1] === String(pid) && commOf(child) === 'node');
}

function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The relay's processes: the launcher `pid`, then the relay it started (none when it runs in one process). */
export function relayPids(pid: number): number[] {
  return [pid, ...nodeChildren(pid)];
}

/**
 * SIGKILLs the relay, as a crash would: the relay first, then its launcher (which, were it killed
 * first, would have the relay stop gracefully: not a crash).
 */
export function killRelay(pid: number): void {
  for (const each of relayPids(pid).reverse()) {
    try {
      process.kill(each, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}
