import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { helpText, referenceNotes, relayVariables, variableNotes } from '../../src/relay/variables';

const notes = referenceNotes((doc) => readFileSync(doc, 'utf8'));

describe('the relay variables of --help', () => {
  it('lists the variables parseRelayConfig reads, with the schemas\' defaults', () => {
    const variables = relayVariables();
    expect(variables).toContainEqual({ name: 'SOCIALBOARDS_CLIENT_ID', fallback: undefined, required: true });
    expect(variables).toContainEqual({ name: 'RELAY_PORT', fallback: '8787', required: false });
    expect(variables).toContainEqual({ name: 'REDIS_URL', fallback: undefined, required: false });
    expect(new Set(variables.map(({ name }) => name)).size).toBe(variables.length);
  });

  it('has a note in the reference (docs/) for every variable, so --help cannot fall behind the schemas', () => {
    expect(relayVariables().filter(({ name }) => notes[name] === undefined).map(({ name }) => name)).toEqual([]);
  });

  it('reads a row of the reference as its default and the first sentence of its meaning, without Markdown', () => {
    const table = '| variable | default | meaning |\n|---|---|---|\n| `A_B`, `A_C` | `{A_URL}/x` | The [thing](x.md) to use, `on`. More words. |';
    expect(variableNotes(table)).toEqual({ A_B: { fallback: '{A_URL}/x', note: 'The thing to use, on.' }, A_C: { fallback: '{A_URL}/x', note: 'The thing to use, on.' } });
    expect(variableNotes('| `D_E` | none | Origins, e.g. `https://a.example`, i.e. sites. More. |')).toEqual({ D_E: { fallback: 'none', note: 'Origins, e.g. https://a.example, i.e. sites.' } });
  });

  it('shows each variable with its default, or as the reference words a default the schema cannot hold', () => {
    const help = helpText({ command: 'relay', version: '1.2.3', notes });
    expect(help).toMatch(/^relay 1\.2\.3: /);
    expect(help).toMatch(/ SOCIALBOARDS_CLIENT_ID +\[required\]\n/);
    expect(help).toMatch(/ RELAY_PORT +\[8787\]\n +Port to listen on/);
    expect(help).toMatch(/ SOCIALBOARDS_TOKEN_URL +\[\{API_URL\}\/token\]\n/);
  });
});
