/** The Hono environment shared by the relay's middleware and routes: what they pass each other per request. */
import type { RelayErrorCode } from '../shared/relay-contract';

/** Who sent a request (set by the client middleware). */
export interface RequestClient {
  /** The client's IP address (the socket's, or the hop trusted proxies vouch for), or `unknown`. */
  address: string;
  /** What its limits count under: the address, or its /64 for IPv6. */
  key: string;
  /** Its name in log lines: a keyed hash of `key`, never the address. */
  logId: string;
}

/**
 * What every route and the request log share. A route's own data lives in its own environment
 * (`TicketsEnv` in routes/tickets-env.ts), so no other route can read what it never set.
 */
export interface RelayEnv {
  Variables: {
    client: RequestClient;
    /** What the request log reports besides method, path and status. */
    errorCode: RelayErrorCode;
    ticketId: number;
    idempotentReplay: boolean;
    /** Headers every answer to the request carries, names in lower case (json-answer.ts's `setAnswerHeaders`). */
    answerHeaders: Record<string, string>;
  };
}
