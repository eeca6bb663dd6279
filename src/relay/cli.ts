/** The `socialboards-ticket-relay` command: `--help` and `--version`, else what `npm run relay` does. */
import { readFileSync } from 'node:fs';
import { main } from './server';
import { helpText, referenceNotes } from './variables';
import type { VariableNote } from './variables';

/** Set by the relay package's build (src/packages/build-packages.ts): the notes of docs/, read at build time. */
declare const __RELAY_NOTES__: Record<string, VariableNote> | undefined;

/** In the repository (`tsx src/relay/cli.ts`), the notes are read from docs/ and the version from package.json. */
function fromRepository(path: string): string {
  return readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
}

const argument = process.argv[2];
if (argument === '--help' || argument === '-h' || argument === '--version') {
  const version = typeof __VERSION__ === 'undefined' ? (JSON.parse(fromRepository('package.json')) as { version: string }).version : __VERSION__;
  const notes = typeof __RELAY_NOTES__ === 'undefined' ? referenceNotes(fromRepository) : __RELAY_NOTES__;
  console.log(argument === '--version' ? version : helpText({ command: 'socialboards-ticket-relay', version, notes }));
} else {
  main().catch((error: unknown) => {
    console.error(`relay: could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
