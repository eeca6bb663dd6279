/**
 * The `socialboards-ticket-relay` command (and `npm run relay`): `--help` and `--version`; the
 * outbox commands; else the relay, in a Node its launcher starts with the relay's young generation
 * (launcher.ts), or in this process. The relay's modules are loaded only where they run, so that a
 * launcher holds none of them.
 */
import { launchRelay } from './launcher';
import type { VariableNote } from './variables';

/** Set by the relay package's build (src/packages/build-packages.ts): the notes of docs/, read at build time. */
declare const __RELAY_NOTES__: Record<string, VariableNote> | undefined;

const argument = process.argv[2];
if (argument === '--help' || argument === '-h' || argument === '--version') {
  const { readFileSync } = await import('node:fs');
  const { helpText, referenceNotes } = await import('./variables');
  // In the repository (`tsx src/relay/cli.ts`), the notes are read from docs/ and the version from package.json.
  const fromRepository = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
  const version = typeof __VERSION__ === 'undefined' ? (JSON.parse(fromRepository('package.json')) as { version: string }).version : __VERSION__;
  const notes = typeof __RELAY_NOTES__ === 'undefined' ? referenceNotes(fromRepository) : __RELAY_NOTES__;
  console.log(argument === '--version' ? version : helpText({ command: 'socialboards-ticket-relay', version, notes }));
} else if (argument === 'outbox' || !launchRelay()) {
  const { main } = await import('./server');
  main().catch((error: unknown) => {
    console.error(`relay: could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
