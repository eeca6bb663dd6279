/** What the relay's Socialboards calls ask of an HTTP client: a small part of `fetch`, which is one. */

/** A call as the client and the token cache make it. */
export interface UpstreamInit {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** A redirect is an answer like any other (Socialboards' API does not redirect). */
  redirect: 'manual';
  /** The call's time limit; it covers reading the answer's body too. */
  signal: AbortSignal;
}

/** What the relay reads of an answer. */
export interface UpstreamAnswer {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/**
 * The global `fetch` fits (the Workers adapter and tests use it); on Node the relay uses
 * `createNodeHttpFetch`, which answers the same calls at a fraction of fetch's cost per call.
 */
export type UpstreamFetch = (url: string, init: UpstreamInit) => Promise<UpstreamAnswer>;
