/**
 * Many browsers in one Node process, for the widget's own code: each visitor's code runs inside its
 * browser's async context, where `localStorage` is that browser's own (happy-dom's Storage),
 * `navigator.onLine` says whether it is online, and `fetch` fails while it is offline, adds the
 * page's Origin as a browser does, and notes every ticket POST and its answer.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Storage } from 'happy-dom';

/** One `POST /tickets` a browser made, and what came of it. */
export interface TicketAttempt {
  key: string;
  title: string;
  at: number;
  /** The HTTP status, or undefined when no answer came (refused, reset, timed out, aborted). */
  status?: number;
  /** The relay's error code, for an error answer. */
  code?: string;
}

/** What one visitor's browser keeps: its storage and its network log. */
export interface Browser {
  name: string;
  storage: Storage;
  attempts: TicketAttempt[];
  /** Offline, every request fails at once and `navigator.onLine` is false. */
  online: boolean;
}

export interface BrowserWorld {
  /** Runs `task` as code of `browser`'s page: everything it starts sees that browser. */
  run<T>(browser: Browser, task: () => Promise<T>): Promise<T>;
  newBrowser(name: string): Browser;
  /** Puts `fetch` and `localStorage` back as they were. */
  uninstall(): void;
}

/** Reads the request body's `title` (the suite's submissions each have their own). */
function titleOf(body: unknown): string {
  if (typeof body !== 'string') return '';
  try {
    const parsed = JSON.parse(body) as { title?: unknown };
    return typeof parsed.title === 'string' ? parsed.title : '';
  } catch {
    return '';
  }
}

/**
 * Installs the browsers' `fetch` and `localStorage` on globalThis. Code that runs outside any
 * browser (the suite itself, the fake Socialboards) gets the real fetch, and no storage.
 */
export function installBrowsers({ origin }: { origin: string }): BrowserWorld {
  const current = new AsyncLocalStorage<Browser>();
  const realFetch = globalThis.fetch;
  const storageDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'localStorage');
  const navigatorDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'navigator');

  const browserFetch: typeof fetch = async (input, init) => {
    const browser = current.getStore();
    if (browser === undefined) return realFetch(input, init);
    const headers = new Headers(init?.headers);
    headers.set('Origin', origin);
    const isTicket = init?.method === 'POST' && String(input).endsWith('/tickets');
    if (isTicket) browser.attempts.push({ key: headers.get('Idempotency-Key') ?? '', title: titleOf(init?.body), at: Date.now() });
    // What Chromium's fetch does offline: a network error before anything is sent.
    if (!browser.online) throw new TypeError('Failed to fetch');
    if (!isTicket) return realFetch(input, { ...init, headers });
    const attempt = browser.attempts[browser.attempts.length - 1] as TicketAttempt;
    const response = await realFetch(input, { ...init, headers });
    attempt.status = response.status;
    if (!response.ok) {
      // A copy for the log; the widget reads the original.
      const body = (await response
        .clone()
        .json()
        .catch(() => undefined)) as { error?: { code?: unknown } } | undefined;
      if (typeof body?.error?.code === 'string') attempt.code = body.error.code;
    }
    return response;
  };

  globalThis.fetch = browserFetch;
  Object.defineProperty(globalThis, 'localStorage', {
    configurable: true,
    get: () => {
      const browser = current.getStore();
      // As in a browser with site data blocked: the widget's device store then does without.
      if (browser === undefined) throw new Error('localStorage read outside any browser');
      return browser.storage;
    },
  });

  // Outside any browser, the process's own navigator (none on Node 20).
  Object.defineProperty(globalThis, 'navigator', {
    configurable: true,
    get: () => {
      const browser = current.getStore();
      return browser === undefined ? navigatorDescriptor?.get?.call(globalThis) ?? navigatorDescriptor?.value : { onLine: browser.online };
    },
  });

  const restore = (name: string, descriptor: PropertyDescriptor | undefined) => {
    if (descriptor) Object.defineProperty(globalThis, name, descriptor);
    else Reflect.deleteProperty(globalThis, name);
  };
  return {
    run: (browser, task) => current.run(browser, task),
    newBrowser: (name) => ({ name, storage: new Storage(), attempts: [], online: true }),
    uninstall() {
      globalThis.fetch = realFetch;
      restore('localStorage', storageDescriptor);
      restore('navigator', navigatorDescriptor);
    },
  };
}
