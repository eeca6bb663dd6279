import { createChallenge, verifySolution } from 'altcha-lib';
import { fail } from '../../src/shared/result';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { describe, expect, it, vi } from 'vitest';
import { createRelayCall } from '../../src/submitter/relay-call';
import { createAltchaSolver, solve } from '../../src/submitter/solve-altcha';

const SECRET = 'widget-solver-test-key-0123456789abcdef';
const secrets = { hmacSignatureSecret: SECRET, hmacKeySignatureSecret: `${SECRET}:k` };
const challenge = (counter: number, cost = 1) =>
  createChallenge({ algorithm: 'SHA-256', cost, counter, deriveKey, expiresAt: Math.floor(Date.now() / 1000) + 60, ...secrets });

describe('the widget ALTCHA solver', () => {
  it.each([0, 1, 4321])('finds counter %i of a challenge altcha-lib made, and altcha-lib verifies the solution', async (counter) => {
    const made = await challenge(counter);
    const solution = await solve(made.parameters);
    expect(solution?.counter).toBe(counter);
    const result = await verifySolution({ challenge: made, solution: solution as NonNullable<typeof solution>, deriveKey, ...secrets });
    expect(result.verified).toBe(true);
  });

  it('applies the cost: SHA-256 as many times as the challenge says', async () => {
    const made = await challenge(17, 3);
    const solution = await solve(made.parameters);
    expect(solution?.counter).toBe(17);
    expect((await verifySolution({ challenge: made, solution: solution as NonNullable<typeof solution>, deriveKey, ...secrets })).verified).toBe(true);
  });

  it('stops when the signal aborts', async () => {
    const made = await challenge(4_000_000_000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 120);
    const started = Date.now();
    expect(await solve(made.parameters, controller.signal)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('fetches the challenge from the relay path and returns base64 JSON of the challenge and solution', async () => {
    const made = await challenge(99);
    const urls: string[] = [];
    const call = createRelayCall({
      relay: 'https://relay.example',
      fetch: async (url) => {
        urls.push(String(url));
        return new Response(JSON.stringify(made), { headers: { 'Content-Type': 'application/json' } });
      },
    });
    const result = await createAltchaSolver(call)('/challenge');
    expect(urls).toEqual(['https://relay.example/challenge']);
    if (!result.ok) throw new Error(result.error.code);
    expect(result.value.expiresAt).toBe((made.parameters.expiresAt ?? 0) * 1000);
    const payload = JSON.parse(atob(result.value.payload)) as { challenge: unknown; solution: { counter: number } };
    expect(payload.challenge).toEqual(made);
    expect(payload.solution.counter).toBe(99);
  });

  it('answers bad_response, rather than searching, for a challenge without its strings', async () => {
    const call = createRelayCall({
      relay: 'https://relay.example',
      retries: 0,
      fetch: async () => new Response(JSON.stringify({ parameters: { salt: 'ab', nonce: 'cd' }, signature: 'x' })),
    });
    expect(await createAltchaSolver(call)('/challenge')).toEqual(fail({ code: 'bad_response' }));
  });

  it('answers challenge_required without fetching anything where Web Crypto is missing (a page on plain http)', async () => {
    vi.stubGlobal('crypto', {});
    try {
      const urls: string[] = [];
      const call = createRelayCall({ relay: 'https://relay.example', fetch: async (url) => (urls.push(String(url)), new Response('{}')) });
      expect(await createAltchaSolver(call)('/challenge')).toEqual(fail({ code: 'challenge_required' }));
      expect(urls).toEqual([]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('passes on the failure when the challenge cannot be fetched', async () => {
    const call = createRelayCall({ relay: 'https://relay.example', retries: 0, fetch: async () => Promise.reject(new TypeError('offline')) });
    expect(await createAltchaSolver(call)('/challenge')).toEqual(fail({ code: 'network' }));
  });
});
