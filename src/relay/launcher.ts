/**
 * The relay command's launcher: Node started again with a fixed young generation
 * (RELAY_SEMI_SPACE_MB), this process standing in for it.
 *
 * Why: every ticket's request lives across its Socialboards call (tens of milliseconds), so under
 * load Node's default young generation (semi-spaces that grow from 1 to 16 MB as V8 sees fit)
 * fills before the requests in it end; each scavenge copies them, and V8 keeps resizing the
 * space, which moves the process's memory over a run. Two fixed semi-spaces of 32 MB let most
 * requests end before a scavenge: in `npm run bench:relay` (README, "Eleventh round") the relay's
 * CPU a ticket fell by about a tenth with SQLite (with Redis, from nothing to a quarter). V8 takes
 * these sizes only as flags at start (`--min-semi-space-size` is refused in NODE_OPTIONS), hence
 * a second process, as JVM servers' launch scripts set their collector's flags. The launcher loads
 * none of the relay's modules (cli.ts imports them only where the relay runs): about 8 MB of
 * memory of its own.
 */
import { spawn } from 'node:child_process';
import { LAUNCHED_ENV, semiSpaceFlags, semiSpaceMb } from './semi-space';

/** Signals an operator (or a process manager) sends the command: each goes on to the relay. */
const RELAYED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * The command's first step: starts the relay in a Node with its young generation and returns true
 * (this process then only stands in for it), or returns false when the relay is to run here.
 */
export function launchRelay(): boolean {
  const flags = semiSpaceFlags(semiSpaceMb(process.env.RELAY_SEMI_SPACE_MB), {
    execArgv: process.execArgv,
    nodeOptions: process.env.NODE_OPTIONS,
    platform: process.platform,
  });
  if (flags === undefined) return false;
  relaunch(flags);
  return true;
}

/**
 * Runs this command again, the same script, arguments and Node flags, plus `flags`, and stands in
 * for it until it ends, then ends the same way (its exit code, or its signal):
 * - its output is this process's (inherited); it reads no input;
 * - it runs in a process group of its own, so a terminal's Ctrl-C reaches it once, passed on by
 *   this process, rather than twice; SIGINT, SIGTERM and SIGHUP sent here go on to it (it stops
 *   on the first, and ignores the rest);
 * - should this process die without passing anything on (SIGKILL), the relay hears its channel
 *   close and stops as on SIGTERM, so no relay is left running on its own.
 */
function relaunch(flags: readonly string[]): void {
  const [, script, ...args] = process.argv;
  if (script === undefined) throw new Error('relay: no script to start again');
  const child = spawn(process.execPath, [...flags, ...process.execArgv, script, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: true,
    env: { ...process.env, [LAUNCHED_ENV]: '1' },
  });
  const passOn = (signal: NodeJS.Signals) => () => child.kill(signal);
  for (const signal of RELAYED_SIGNALS) process.on(signal, passOn(signal));
  child.once('error', (error) => {
    console.error(`relay: could not start Node with ${flags.join(' ')}: ${error.message}`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    // Ended by a signal: end by the same one, its default action this time.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}

/**
 * In the relay started by `relaunch`: calls `gone` when the launcher is gone (its channel closed),
 * at once if it is gone already, and lets the channel keep nothing alive. A relay started
 * otherwise has no launcher to watch.
 */
export function watchLauncher(gone: () => void): void {
  if (process.env[LAUNCHED_ENV] !== '1' || process.channel === undefined) return;
  // Null once the channel closed: the launcher died while this relay was loading.
  if (process.channel === null || !process.connected) {
    gone();
    return;
  }
  process.channel.unref();
  process.once('disconnect', gone);
}
