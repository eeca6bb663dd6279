/**
 * The script-tag entry: defines `window.SocialboardsTicket`, replays the commands the loader
 * snippet queued before the script arrived, and, when the tag carries `data-relay`, mounts a
 * widget from its data attributes.
 */
import { mount, mountWith } from './mount';
import { optionsFromDataset } from './options';

/**
 * A command of the loader snippet, run once the script is here: a method's name and its arguments
 * (`['mount', '#help', { relay }]`), or a function that receives the API (and may keep the handle
 * `mount` returns).
 */
export type LoaderCommand = [method: 'mount', ...args: Parameters<typeof mount>] | ((api: SocialboardsTicketApi) => void);

/** `window.SocialboardsTicket` once the script has run. */
export interface SocialboardsTicketApi {
  mount: typeof mount;
  version: string;
  /** Runs commands at once: what the snippet pushed before the script arrived was run in order. */
  q: { push(...commands: LoaderCommand[]): void };
}

declare global {
  interface Window {
    /** The API once the script has run (before that, perhaps the loader snippet's stub `{ q: [] }`). */
    SocialboardsTicket?: SocialboardsTicketApi;
  }
}

const api: SocialboardsTicketApi = {
  mount,
  version: __VERSION__,
  q: {
    push: (...commands) => {
      for (const command of commands) {
        try {
          if (typeof command === 'function') command(api);
          else if (command[0] === 'mount') api.mount(...(command.slice(1) as Parameters<typeof mount>));
          else console.error(`[SocialboardsTicket] unknown command ${JSON.stringify(command[0])} in SocialboardsTicket.q`);
        } catch (error) {
          // One integrator's failing callback must not stop the commands after it.
          console.error('[SocialboardsTicket] a queued command failed:', error);
        }
      }
    },
  },
};

const earlier = window.SocialboardsTicket as { version?: string; q?: LoaderCommand[] } | undefined;
// Included twice: the first copy's API stays (its handles and queue with it); this copy only
// mounts the widget its own tag describes.
if (!earlier?.version) {
  window.SocialboardsTicket = api;
  api.q.push(...(earlier?.q ?? []));
}

const script = document.currentScript;
if (script instanceof HTMLScriptElement && (script.dataset.relay !== undefined || script.dataset.target !== undefined)) {
  const { target } = script.dataset;
  const options = optionsFromDataset({ ...script.dataset });
  // The widget is built in a task of its own, never in the one that ran this script or in the
  // parser's last task (where the host page's own first layout runs): each stays short, and the
  // page gets a turn in between. A user-blocking task where the browser has a scheduler, so it
  // runs ahead of the page's other queued work rather than behind it.
  const start = (element: Element | string) => {
    const build = () => mountWith(element, options, true);
    // Chromium and Firefox have `scheduler`; Safari does not yet.
    if ('scheduler' in window) void scheduler.postTask(build, { priority: 'user-blocking' });
    else setTimeout(build);
  };
  // Where the widget goes without a target: an element of our own, which no rule of the page for `div` styles.
  const placeholder = () => document.createElement('socialboards-ticket-place');
  const whenParsed = (then: () => void) => {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', then, { once: true });
    else then();
  };
  if (target) {
    // The target may come later in the page than the tag.
    whenParsed(() => start(target));
  } else if (script.closest('head')) {
    // No target: the widget goes where the tag is, as integrators of one-line embeds expect; a
    // tag in <head> puts it at the end of <body>, where it can be seen.
    whenParsed(() => {
      const element = placeholder();
      document.body.append(element);
      start(element);
    });
  } else {
    // Right after the tag, now: the form need not wait for the rest of the page to arrive.
    const element = placeholder();
    script.after(element);
    start(element);
  }
}
