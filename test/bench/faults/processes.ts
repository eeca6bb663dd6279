/**
 * The fault suite's child processes (relays, redis-server) and scratch folders: each registered the
 * moment it exists, and every child still alive killed (and every folder removed) when the suite
 * ends, fails or is interrupted.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { killRelay, killRelayNow, relayPids, running } from '../../support/relay-tree';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const alive = new Set<ChildProcess>();
const scratch = new Set<string>();

/** Keeps `child` on the list of processes to kill, until it exits. */
export function track(child: ChildProcess): void {
  alive.add(child);
  child.once('exit', () => alive.delete(child));
}

/** Removes `dir` on the way out unless it was removed before (`forget`). */
export function removeOnExit(dir: string): { forget(): void } {
  scratch.add(dir);
  return { forget: () => scratch.delete(dir) };
}

/**
 * SIGKILLs every tracked child still running and removes the scratch folders left: synchronous,
 * so it also works inside an `exit` handler.
 */
export function killAll(): void {
  // A relay's launcher and the relay it started, or any other child alone.
  for (const child of alive) if (child.pid !== undefined) killRelayNow(child.pid);
  alive.clear();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  scratch.clear();
}

let guarded = false;

/**
 * Kills every child on the way out: a normal exit, an uncaught error, SIGINT or SIGTERM (then
 * exits 130 or 143, as a shell would). For the command line only: vitest owns its own signals.
 */
export function killChildrenOnExit(): void {
  if (guarded) return;
  guarded = true;
  process.once('exit', killAll);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      console.error(`\nfaults: ${signal}, stopping every child process`);
      killAll();
      process.exit(code);
    });
  }
}

export interface RelayProcess {
  /** `http://127.0.0.1:PORT`: the same after every restart. */
  url: string;
  /** Starts it (again) and resolves once `/healthz` answers. */
  start(): Promise<void>;
  /** SIGKILL: no shutdown, requests in flight cut off, leases left held in the store. */
  kill(): Promise<void>;
  /** SIGTERM, waiting for it to finish its requests (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /**
   * The running relay's processes (for reading their memory and CPU time): the launcher, then the
   * relay it started (src/relay/launcher.ts); empty when it is not running.
   */
  pids(): number[];
}

/**
 * A relay as production runs it: the command, `node --import tsx src/relay/cli.ts` (its launcher and
 * the relay it starts with its young generation), with exactly `env` (plus PATH), on `port` of
 * 127.0.0.1. Its output is appended to `logFile` across restarts.
 */
export function relayProcess({ port, env, logFile }: { port: number; env: Record<string, string>; logFile: string }): RelayProcess {
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function start() {
    const out = openSync(logFile, 'a');
    const spawned = spawn(process.execPath, ['--import', 'tsx', 'src/relay/cli.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env, RELAY_HOST: '127.0.0.1', RELAY_PORT: String(port) },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    track(spawned);
    child = spawned;
    exited = new Promise((resolve) => spawned.once('exit', () => resolve()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (spawned.exitCode !== null || spawned.signalCode !== null) throw new Error(`relay on port ${port} exited at start (code ${spawned.exitCode}); see ${logFile}`);
      const up = await fetch(`${url}/healthz`).then(
        (answer) => answer.ok,
        () => false,
      );
      if (up) return;
      if (Date.now() > deadline) throw new Error(`relay on port ${port} did not answer /healthz within 30 s; see ${logFile}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function kill() {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) await killRelay(child.pid);
    await exited;
  }

  async function stop(graceMs = 15_000) {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const launcher = child.pid ?? 0;
    const pids = relayPids(launcher);
    child.kill('SIGTERM');
    let killed: Promise<void> | undefined;
    const timer = setTimeout(() => (killed = killRelay(launcher)), graceMs);
    await exited;
    clearTimeout(timer);
    await killed;
    // The launcher exits as the relay does; what the relay held is free once it is reaped.
    for (const deadline = Date.now() + 10_000; pids.some(running); ) {
      if (Date.now() > deadline) throw new Error(`relay processes ${pids.filter(running).join(', ')} still run 10 s after their launcher exited`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  const pids = () => (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null ? [] : relayPids(child.pid));

  return { url, start, kill, stop, pids };
}
