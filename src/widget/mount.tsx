/**
 * Mounting: puts a widget into a shadow root under a host element, and takes it away again
 * without leaving a node, style, listener or request behind.
 */
// In this order on purpose: the bundle lays modules out in import order, and gzip finds more to
// share when the components sit next to Preact and the stylesheet, and the submitter comes last
// (measured: 49 B less than the alphabetical order; check `npx size-limit` when changing it).
import { Widget } from './widget';
import { WIDGET_CSS } from './widget.css';
import { render } from 'preact';
import { createTranslator, pickLocale } from './i18n';
import { parseOptions, type MountOptions } from './options';
import { wireForm } from './wiring';
import type { Prefill } from '../submitter/prefill';

const PREFIX = '[SocialboardsTicket]';

/** What `mount()` returns. */
export interface WidgetHandle {
  /** The element our shadow root hangs on (inside the target), or null if nothing was mounted. */
  readonly element: HTMLElement | null;
  /** Removes the widget, its styles and listeners, and aborts a submission in flight. Safe to call twice. */
  unmount(): void;
  /** Sets values from the page (see the `prefill` option); later calls add to earlier ones. */
  prefill(values: Prefill): void;
}

/**
 * Where a host element keeps its widget's handle. A global symbol and a lookup in the DOM (not a
 * module-level map) so that two copies of this script, or a host node removed by the page, do
 * not fool the "one widget per target" rule.
 */
const HANDLE = Symbol.for('socialboards-ticket.handle');
type Host = HTMLElement & { [HANDLE]?: WidgetHandle };

let sharedSheet: CSSStyleSheet | undefined;

/**
 * Constructed stylesheets are not subject to CSP `style-src`, so the widget works under a strict
 * policy without a nonce; where they are missing, a `<style>` carries the integrator's nonce.
 */
function applyStyles(shadow: ShadowRoot, nonce?: string) {
  // Constructable stylesheets came with `adoptedStyleSheets` in every engine (Chromium 73, Firefox 101, Safari 16.4).
  if (shadow.adoptedStyleSheets) {
    if (!sharedSheet) {
      sharedSheet = new CSSStyleSheet();
      sharedSheet.replaceSync(WIDGET_CSS);
    }
    shadow.adoptedStyleSheets = [sharedSheet];
    return;
  }
  const style = document.createElement('style');
  if (nonce) style.nonce = nonce;
  style.textContent = WIDGET_CSS;
  shadow.append(style);
}

function resolveTarget(target: Element | string): Element {
  const element = typeof target === 'string' ? document.querySelector(target) : target;
  if (!(element instanceof Element)) {
    throw new Error(`target ${typeof target === 'string' ? `"${target}" matches no element` : 'must be an element or a CSS selector'}`);
  }
  return element;
}

const inert: WidgetHandle = { element: null, unmount() {}, prefill() {} };

/**
 * Renders a ticket form into `target` (an element or a selector). Problems are reported once on
 * the console and never thrown: a misconfigured widget must not break the host page.
 *
 * Mounting again on a target that already has a widget returns that widget's handle unchanged
 * (with a console warning); to change options, `unmount()` first.
 */
export function mount(target: Element | string, options: MountOptions): WidgetHandle {
  return mountWith(target, options, false);
}

/** `mount()`, saying whether the options came from data attributes (so problems name them so). */
export function mountWith(target: Element | string, options: MountOptions | Record<string, unknown>, fromData: boolean): WidgetHandle {
  try {
    const element = resolveTarget(target);
    const existing = [...element.children].find((child) => child.hasAttribute('data-socialboards-ticket')) as Host | undefined;
    if (existing) {
      console.warn(`${PREFIX} a widget is already mounted on this target; returning it. Call unmount() first to change its options.`);
      return existing[HANDLE] ?? inert;
    }
    const { config, problems } = parseOptions(options, fromData);
    for (const problem of problems) console.error(`${PREFIX} ${problem}`);
    if (!config) return inert;

    // An element of our own rather than a <div>, so that a page's rules for `div` do not style it.
    const host: Host = document.createElement('socialboards-ticket-widget');
    host.setAttribute('data-socialboards-ticket', '');
    const shadow = host.attachShadow({ mode: 'open' });
    applyStyles(shadow, config.nonce);
    element.append(host);

    // The language picked, kept in the config (ours, fresh from parseOptions): the translator speaks it
    // and the relay serves the operator's labels in it.
    const locale = (config.locale = pickLocale([config.locale, document.documentElement.lang, ...(navigator.languages ?? [])]));
    const form = wireForm(
      config,
      {
        report: (problem) => console.error(`${PREFIX} ${problem}`),
        emit: (name, detail) => host.dispatchEvent(new CustomEvent(`socialboards-ticket:${name}`, { detail, bubbles: true, composed: true })),
      },
      location.origin + location.pathname,
    );
    render(<Widget form={form} t={createTranslator(locale, config.messages)} />, shadow);
    // After the first render, in a task of its own: the visitor can start typing in the built-in
    // fields while the form definition is on its way, and the page gets a turn in between.
    setTimeout(form.load);
    // A message waiting in the outbox goes as soon as the browser has a network again.
    addEventListener('online', form.deliver);

    let alive = true;
    const handle: WidgetHandle = {
      element: host,
      unmount() {
        if (!alive) return;
        alive = false;
        removeEventListener('online', form.deliver);
        form.dispose();
        render(null, shadow);
        host.remove();
      },
      prefill: form.prefill,
    };
    host[HANDLE] = handle;
    return handle;
  } catch (error) {
    console.error(`${PREFIX} could not mount: ${(error as Error).message}`);
    return inert;
  }
}
