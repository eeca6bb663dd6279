/**
 * Visitors: each of N browsers opens the contact page again and again, each time wired exactly as
 * the widget wires itself (`wireForm`: the ticket submitter with 45 s of retries, the form loader,
 * drafts and the browser outbox), types a message with a title of its own and presses Send. What
 * the widget then tells the visitor is recorded. A later visit delivers what an earlier one left in
 * the outbox, as a reopened page does.
 */
import { wireForm } from '../../../src/widget/wiring';
import type { WidgetForm } from '../../../src/widget/wiring';
import type { Browser, BrowserWorld } from './browsers';

/** What the widget told the visitor when Send finished. */
export type Told =
  | { kind: 'created'; ticketId: number }
  | { kind: 'queued-by-relay'; reference: string }
  | { kind: 'queued-in-browser' }
  | { kind: 'failed'; code: string };

/** One press of Send. */
export interface Submission {
  title: string;
  browser: Browser;
  /** When Send was pressed (ms since the epoch). */
  sentAt: number;
  /** Undefined while Send has not finished (the deadline cut it off). */
  told?: Told;
}

/** The page the widget is on; the relay must allow its origin. */
export const PAGE_ORIGIN = 'http://shop.bench.test';
const PAGE = `${PAGE_ORIGIN}/contact`;
const OUTBOX_PREFIX = 'socialboards-ticket:outbox:';

/** The keys of the messages waiting in `browser`'s outbox. */
export const outboxKeys = (browser: Browser) =>
  Object.keys(browser.storage)
    .filter((name) => name.startsWith(OUTBOX_PREFIX))
    .map((name) => name.slice(name.lastIndexOf(' ') + 1));

/** Opens the page in `browser`: the widget mounts and loads its form; `work` runs on it, then the page is left. */
export function visit<T>(world: BrowserWorld, browser: Browser, relay: string, stop: AbortSignal, work: (form: WidgetForm) => Promise<T>): Promise<T> {
  return world.run(browser, async () => {
    // Console reports (`submission failed: …`) are what the tally counts; they are not printed.
    const form = wireForm({ relay }, { report: () => {}, emit: () => {} }, PAGE);
    // The deadline closes the page, aborting whatever it was doing.
    const leave = () => form.dispose();
    stop.addEventListener('abort', leave, { once: true });
    try {
      await form.load();
      return await work(form);
    } finally {
      stop.removeEventListener('abort', leave);
      form.dispose();
    }
  });
}

/** Types a message as a visitor would, one field at a time. */
function type(form: WidgetForm, title: string) {
  const fields = new Map(form.model.fields.peek().map((field) => [field.name, field]));
  const values: Record<string, string> = {
    title,
    message: `Fault-injection run: ${title}. Where is my order?`,
    name: 'Bench Visitor',
    email: 'visitor@example.com',
  };
  for (const [name, value] of Object.entries(values)) {
    const field = fields.get(name);
    if (field === undefined) throw new Error(`the widget's form has no field "${name}"`);
    field.set(value);
    field.leave();
  }
}

/** What the submission's status says once Send has finished. */
function toldBy(form: WidgetForm): Told {
  const status = form.submission.status.peek();
  switch (status.kind) {
    case 'sent':
      return 'ticketId' in status.ticket ? { kind: 'created', ticketId: status.ticket.ticketId } : { kind: 'queued-by-relay', reference: status.ticket.reference };
    case 'queued':
      return { kind: 'queued-in-browser' };
    case 'failed':
      return { kind: 'failed', code: status.code };
    default:
      throw new Error(`Send finished with the status "${status.kind}"`);
  }
}

export interface VisitorsOptions {
  world: BrowserWorld;
  browsers: readonly Browser[];
  relay: string;
  /** Titles, one per Send, handed out to the browsers in turn. */
  titles: readonly string[];
  /** Stops new visits and closes the open pages. */
  stop: AbortSignal;
  /** Called as each Send is pressed, with how many have been pressed. */
  onSend?: (pressed: number) => void;
  /** This share of the Sends is pressed with the browser offline (it is back online right after). */
  offlineShare?: number;
}

/** Every browser sends its share of `titles`, one visit per Send, all browsers at once. */
export async function runVisitors({ world, browsers, relay, titles, stop, onSend, offlineShare = 0 }: VisitorsOptions): Promise<Submission[]> {
  const submissions: Submission[] = [];
  let pressed = 0;
  // Spread evenly: Send number n is offline when it takes the running share past a whole number.
  const offline = (index: number) => Math.floor((index + 1) * offlineShare) > Math.floor(index * offlineShare);
  await Promise.all(
    browsers.map(async (browser, index) => {
      for (let next = index; next < titles.length && !stop.aborted; next += browsers.length) {
        const title = titles[next] as string;
        await visit(world, browser, relay, stop, async (form) => {
          type(form, title);
          const submission: Submission = { title, browser, sentAt: Date.now() };
          submissions.push(submission);
          onSend?.(++pressed);
          browser.online = !offline(next);
          await form.send('');
          browser.online = true;
          if (!stop.aborted) submission.told = toldBy(form);
        });
      }
    }),
  );
  return submissions;
}

/** How long one drain visit stays on the page before it is reopened. */
const DRAIN_VISIT_MS = 60_000;

/**
 * Each browser opens the page again (mounting delivers the outbox by itself) and stays while its
 * outbox still holds messages, pressing on with `deliver()` as the `online` event would, until the
 * outbox is empty or `stop` aborts.
 */
export async function drainOutboxes({ world, browsers, relay, stop }: Pick<VisitorsOptions, 'world' | 'browsers' | 'relay' | 'stop'>): Promise<void> {
  await Promise.all(
    browsers.map(async (browser) => {
      while (outboxKeys(browser).length > 0 && !stop.aborted) {
        await visit(world, browser, relay, stop, async (form) => {
          const leaveAt = Date.now() + DRAIN_VISIT_MS;
          // deliver() returns at once while the delivery the mount started is still running.
          while (outboxKeys(browser).length > 0 && !stop.aborted && Date.now() < leaveAt) {
            await form.deliver();
            await pause(500, stop);
          }
        });
      }
    }),
  );
}

/** Waits `ms`, or less when `stop` aborts. */
export function pause(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stop.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      stop.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop.addEventListener('abort', done, { once: true });
  });
}
