/**
 * The in-page probe, added as an init script so it runs before any script of the page. It records
 * when a form first becomes usable, the long tasks, and (on request) one keystroke's latency, and
 * exposes them as `window.__bench` for the runner to read with `page.evaluate`.
 *
 * Plain JavaScript read from disk rather than a function handed to Playwright: tsx compiles the
 * runner with helper calls (`__name`) that do not exist in the page.
 *
 * "Usable" is the first enabled input or textarea inside a shadow root. Every widget measured here
 * renders into one, so `attachShadow` is wrapped and each new root (open or closed) gets a
 * MutationObserver. Mutation records are delivered as a microtask right after the script's own
 * DOM work, inside the same task and before any paint, so `performance.now()` there is the moment
 * the element exists, without a polling loop that would itself compete for the throttled CPU.
 * `:enabled` also covers inputs inside a disabled fieldset; hidden inputs do not count.
 */
(() => {
  const USABLE = 'input:enabled:not([type="hidden"]), textarea:enabled';
  const roots = [];
  const longTasks = [];
  let markReady;
  const ready = new Promise((resolve) => {
    markReady = resolve;
  });
  let readyAt;

  const check = (root) => {
    if (readyAt === undefined && root.querySelector(USABLE)) {
      readyAt = performance.now();
      markReady(readyAt);
    }
  };

  const attachShadow = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attachShadow.call(this, init);
    roots.push(root);
    new MutationObserver(() => check(root)).observe(root, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ['disabled', 'type'],
    });
    check(root);
    return root;
  };

  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push({ startTime: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });

  /** The field whose message is showing: an input with aria-invalid and the element it names. */
  const invalidField = () => {
    for (const root of roots) {
      const input = root.querySelector('input[aria-invalid="true"][aria-describedby], textarea[aria-invalid="true"][aria-describedby]');
      if (!input) continue;
      const message = root.getElementById(input.getAttribute('aria-describedby').split(' ')[0]);
      if (message) return { root, input, message };
    }
    return null;
  };

  /**
   * Arms the keystroke measurement on the field whose message is showing; `keystroke` then holds
   * the time from the next keydown's `timeStamp` (when the browser received the key) to the moment
   * the message element leaves the DOM. Throws if no message is showing.
   */
  let keystroke;
  const armKeystroke = () => {
    const field = invalidField();
    if (!field) throw new Error('no field with a visible message (aria-invalid + aria-describedby)');
    keystroke = new Promise((resolve) => {
      let keyAt;
      field.input.addEventListener('keydown', (event) => (keyAt = event.timeStamp), { capture: true, once: true });
      const observer = new MutationObserver(() => {
        if (keyAt === undefined || field.message.isConnected) return;
        observer.disconnect();
        resolve(performance.now() - keyAt);
      });
      observer.observe(field.root, { childList: true, subtree: true });
    });
  };

  /** What the runner reads once the form is ready: times relative to the script's arrival. */
  const result = (scriptUrl) => {
    const entry = performance.getEntriesByName(scriptUrl, 'resource')[0];
    return {
      responseEnd: entry ? entry.responseEnd : null,
      readyAt: readyAt ?? null,
      longTasks: longTasks.slice(),
    };
  };

  window.__bench = { ready, result, invalidField: () => invalidField() !== null, armKeystroke, keystroke: () => keystroke };
})();
