/**
 * ALTCHA proof of work in the browser, with no third-party script: fetch a challenge from the
 * relay, find the counter whose SHA-256 key starts with the signed prefix, and return the payload
 * the relay verifies (base64 JSON of the challenge and the solution, as altcha-lib 2.x reads it).
 */
import { fail, ok, type Result } from '../shared/result';
import { hex } from './hex';
import { isRecord, type RelayCall, type RelayCallFailure } from './relay-call';

interface Parameters {
  /** Seconds since 1970, when the relay stops accepting it. */
  expiresAt?: number;
  salt: string;
  nonce: string;
  keyPrefix: string;
  cost?: number;
  keyLength?: number;
}

/** The payload the relay verifies, and when it stops accepting it (ms since 1970). */
export type AltchaSolution = Result<{ payload: string; expiresAt: number }, RelayCallFailure>;
export type SolveAltcha = (path: string, signal?: AbortSignal) => Promise<AltchaSolution>;

const bytes = (hex: string) => (hex.match(/../g) ?? []).map((pair) => parseInt(pair, 16));

/** Gives the page a turn about every 50 ms, so typing and scrolling stay smooth while the search runs. */
const SLICE_MS = 50;

/**
 * The counter and derived key for a challenge (altcha-lib 2.x, algorithm SHA-256): the key is
 * SHA-256 applied `cost` times to salt ‖ nonce ‖ counter (4 bytes, big-endian). Undefined once aborted.
 */
export async function solve(parameters: Parameters, signal?: AbortSignal): Promise<{ counter: number; derivedKey: string } | undefined> {
  const prefix = parameters.keyPrefix.toLowerCase();
  // The counter's 4 bytes go last, written in place for each try.
  const input = new Uint8Array([...bytes(parameters.salt), ...bytes(parameters.nonce), 0, 0, 0, 0]);
  const view = new DataView(input.buffer);
  let slice = Date.now();
  for (let counter = 0; counter <= 0xffffffff; counter++) {
    view.setUint32(input.length - 4, counter);
    let key: Uint8Array<ArrayBuffer> = input;
    for (let round = 0; round < Math.max(1, parameters.cost ?? 1); round++) key = new Uint8Array(await crypto.subtle.digest('SHA-256', key));
    const derivedKey = hex(key.subarray(0, parameters.keyLength ?? 32));
    if (derivedKey.startsWith(prefix)) return { counter, derivedKey };
    if (Date.now() - slice > SLICE_MS) {
      await new Promise((resume) => setTimeout(resume));
      if (signal?.aborted) return undefined;
      slice = Date.now();
    }
  }
  return undefined;
}

/** The parameters the search needs, as strings: anything else is a bad answer, not a crash. */
const isChallenge = (parameters: unknown): parameters is Parameters =>
  isRecord(parameters) && ['salt', 'nonce', 'keyPrefix'].every((key) => typeof parameters[key] === 'string');

/** Creates the solver the form uses when `GET /form` names ALTCHA. */
export function createAltchaSolver(call: RelayCall): SolveAltcha {
  return async (path, signal) => {
    // Web Crypto exists only in secure contexts: a page on plain http (other than localhost) has none.
    if (!globalThis.crypto?.subtle) return fail({ code: 'challenge_required' });
    const fetched = await call(
      { path, read: (body) => (isRecord(body) && isChallenge(body.parameters) ? (body as { parameters: Parameters }) : undefined) },
      signal,
    );
    if (!fetched.ok) return fetched;
    const challenge = fetched.value;
    const solution = await solve(challenge.parameters, signal);
    if (!solution) return fail({ code: 'aborted' });
    const { expiresAt = Infinity } = challenge.parameters;
    return ok({ payload: btoa(JSON.stringify({ challenge, solution })), expiresAt: expiresAt * 1000 });
  };
}
