/** Everything one fake Socialboards instance remembers: tickets, request log, faults, live tokens. */
import { createHash } from 'node:crypto';
import type { FetchedAttachment } from './fetch-attachments';
import type { QueuedFault } from './faults';

/** Ids continue from the id in the Create Ticket doc example (docs/socialboards-api.md §4). */
export const FIRST_TICKET_ID = 4484636;

/** A ticket as the fake stored it. */
export interface StoredTicket {
  id: number;
  /** ISO time the fake received it. */
  receivedAt: string;
  /** The effective `isHtml`: the value sent, or Socialboards' documented default `true`. */
  isHtml: boolean;
  /** The JSON body exactly as parsed, before any defaulting. */
  body: unknown;
  /** For a ticket with attachments: what fetching each URL gave, in the body's order. */
  attachmentsFetched?: FetchedAttachment[];
}

/** One non-`/__fake` request. Never holds bodies or tokens. */
export interface LoggedRequest {
  method: string;
  path: string;
  /** The status answered; `null` while held, or when the client left before the answer. */
  status: number | null;
  /** ISO time of arrival. */
  at: string;
}

/** The mutable state of one fake. Tests may read it directly; the `/__fake/*` routes expose it over HTTP. */
export class FakeState {
  readonly tickets: StoredTicket[] = [];
  #duplicateTickets = 0;
  readonly #bodies = new Set<string>();
  readonly requests: LoggedRequest[] = [];
  /** Queued faults, first match wins. */
  readonly faults: QueuedFault[] = [];
  /** Access tokens issued and not revoked (expiry is checked separately, against `now()`). */
  readonly liveTokens = new Set<string>();
  nextTicketId = FIRST_TICKET_ID;
  /** Requests being answered now, and the most at once since the last reset: how hard a relay presses. */
  readonly concurrency = { inFlight: 0, peak: 0 };
  #release = new AbortController();

  /** Aborts when held and slowed requests must end now (the server is closing). */
  get releaseSignal(): AbortSignal {
    return this.#release.signal;
  }

  /** Ends every request currently held by a `timeout` or `slow` fault; later faults hold again. */
  releaseHeldRequests(): void {
    this.#release.abort();
    this.#release = new AbortController();
  }

  /**
   * Tickets since the last reset whose body is the same, byte for byte once parsed, as an earlier
   * one's: a ticket created twice, for a client that makes every body unique (the relay benchmark
   * puts each request's Idempotency-Key in its title). Two visitors may of course send the same.
   */
  get duplicateTickets(): number {
    return this.#duplicateTickets;
  }

  /** Stores a created ticket (the one way to add one), counting it when an earlier one had the same body. */
  addTicket(ticket: StoredTicket): void {
    this.tickets.push(ticket);
    // A digest rather than a second copy of the body as text: a benchmark creates hundreds of thousands.
    const digest = createHash('sha256').update(JSON.stringify(ticket.body)).digest('base64');
    if (this.#bodies.has(digest)) this.#duplicateTickets += 1;
    else this.#bodies.add(digest);
  }

  /** Makes every access token issued so far invalid (the `expire-token` fault, and reset). */
  revokeTokens(): void {
    this.liveTokens.clear();
  }

  /**
   * Forgets tickets, the request log and faults, and revokes tokens. Ticket ids keep counting up,
   * as a real server never reuses one; a relay's idempotency store may outlive a reset.
   */
  reset(): void {
    this.tickets.length = 0;
    this.#duplicateTickets = 0;
    this.#bodies.clear();
    this.requests.length = 0;
    this.faults.length = 0;
    this.concurrency.peak = this.concurrency.inFlight;
    this.revokeTokens();
  }
}
