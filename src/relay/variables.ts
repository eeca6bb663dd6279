/** The relay's environment variables, listed from the schemas that parse them, for `--help`. */
import { RELAY_ENV_SCHEMAS } from './config';

/** The reference the notes of `--help` come from: docs/relay.md first, then one page per topic. */
const REFERENCE_DOCS = ['relay', 'attachments', 'identity', 'spam'].map((topic) => `docs/${topic}.md`);

export interface RelayVariable {
  name: string;
  /** The value used when it is unset; `undefined` when unset means off or derived (see its note). */
  fallback: string | undefined;
  required: boolean;
}

/** Each variable the relay reads, in the order the schemas define them, with its default. */
export function relayVariables(): RelayVariable[] {
  return RELAY_ENV_SCHEMAS.flatMap((schema) =>
    Object.entries(schema.pipe[0].entries).map(([name, entry]) => {
      const optional = entry.type === 'optional';
      const fallback = optional && 'default' in entry && typeof entry.default === 'string' ? entry.default : undefined;
      return { name, fallback, required: !optional };
    }),
  );
}

/**
 * Every variable's note from the reference docs, `read` giving a doc's text by its path from the
 * repository's root; docs/relay.md wins where a topic page names the same variable.
 */
export function referenceNotes(read: (path: string) => string): Record<string, VariableNote> {
  return Object.assign({}, ...[...REFERENCE_DOCS].reverse().map((doc) => variableNotes(read(doc)))) as Record<string, VariableNote>;
}

/** What the reference says of a variable: its default as written there, and the first sentence of its meaning. */
export interface VariableNote {
  fallback: string;
  note: string;
}

/**
 * The notes of the variables in Markdown tables of `| variable | default | meaning |` rows (the
 * reference in docs/), without Markdown. A row may name several variables (`A`, `B`): each gets it.
 */
export function variableNotes(markdown: string): Record<string, VariableNote> {
  const notes: Record<string, VariableNote> = {};
  for (const line of markdown.split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((cell) => cell.trim());
    // ['', names, default, meaning, '']
    if (cells.length < 5 || !cells[1]?.startsWith('`')) continue;
    const names = [...(cells[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1] ?? '');
    const meaning = plain(cells[3] ?? '');
    // The first full stop that ends a sentence: not the one of an abbreviation such as "e.g.".
    const note = /^.*?(?<!\b(?:e\.g|i\.e|etc|vs))\.(?=\s|$)/.exec(meaning)?.[0] ?? meaning;
    for (const name of names) notes[name] ??= { fallback: plain(cells[2] ?? ''), note };
  }
  return notes;
}

function plain(markdown: string): string {
  return markdown
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .replace(/\\\|/g, '|')
    .trim();
}

/** `--help`: every variable with its default and one line. */
export function helpText(options: { command: string; version: string; notes: Record<string, VariableNote> }): string {
  const variables = relayVariables();
  const width = Math.max(...variables.map(({ name }) => name.length));
  const rows = variables.map(({ name, fallback, required }) => {
    const note = options.notes[name];
    // A default the schema cannot hold (derived from another variable, or "none") is as the reference words it.
    const value = required ? 'required' : fallback === undefined || fallback === '' ? (note?.fallback ?? 'none') : fallback;
    return `  ${name.padEnd(width)}  [${value}]\n  ${''.padEnd(width)}  ${note?.note ?? ''}`;
  });
  return [
    `${options.command} ${options.version}: the Socialboards ticket relay.`,
    '',
    `Usage: ${options.command}              start the relay (stops on SIGINT or SIGTERM)`,
    `       ${options.command} outbox …     the outbox commands (\`outbox\` alone lists them)`,
    `       ${options.command} --help | --version`,
    '',
    'Configured by environment variables (blank counts as unset), [default]:',
    ...rows,
  ].join('\n');
}
