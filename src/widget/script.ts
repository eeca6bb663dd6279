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
  const start = () => {
    let element: Element | string | undefined = target;
    if (!element) {
      // No target: the widget goes where the tag is, as integrators of one-line embeds expect;
      // a tag in <head> puts it at the end of <body>, where it can be seen.
      element = document.createElement('div');
      if (script.closest('head')) document.body.append(element);
      else script.after(element);
    }
    mountWith(element, optionsFromDataset({ ...script.dataset }), true);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
  else start();
}
