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

/** The Node processes `pid` started: those running its own executable (not its helpers, such as tsx's esbuild service). */
export function nodeChildren(pid: number): number[] {
  const node = commOf(pid);
  if (node === undefined) return [];
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((child) => statFields(child)?.[1] === String(pid) && commOf(child) === node);
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
  return pid > 0 ? [pid, ...nodeChildren(pid)] : [];
}

/** Whether a process still holds what it had (its sockets, its locks): gone, or a zombie, it does not. */
export function running(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/**
 * SIGKILLs the relay, as a crash would: the relay first, then its launcher (which, were it killed
 * first, would have the relay stop gracefully: not a crash). Resolves once neither runs, so that a
 * relay started again finds its port and its store's locks free.
 */
export async function killRelay(pid: number): Promise<void> {
  const pids = relayPids(pid).reverse();
  killNow(pids);
  for (const deadline = Date.now() + 10_000; pids.some(running); ) {
    if (Date.now() > deadline) throw new Error(`relay processes ${pids.filter(running).join(', ')} still run 10 s after SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The same, synchronously, for an `exit` handler: nothing waited for. */
export function killRelayNow(pid: number): void {
  killNow(relayPids(pid).reverse());
}

function killNow(pids: readonly number[]): void {
  // Never 0 or less: process.kill would signal a whole process group, this one's included.
  for (const each of pids.filter((pid) => pid > 0)) {
    try {
      process.kill(each, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}
