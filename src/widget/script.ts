/**
 * The script-tag entry: defines `window.SocialboardsTicket` and, when the tag carries
 * `data-relay`, mounts a widget from its data attributes.
 */
import { mount, mountWith } from './mount';
import { optionsFromDataset } from './options';

declare global {
  interface Window {
    SocialboardsTicket?: { mount: typeof mount; version: string };
  }
}

const api = { mount, version: __VERSION__ };
window.SocialboardsTicket = api;

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
