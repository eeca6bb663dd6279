/**
 * The widget's one use of storage on the visitor's device: JSON values in localStorage, for drafts
 * and the outbox. Storage may be missing, disabled, full or refused (private modes, blocked site
 * data): then every call quietly does nothing, and the first failure is said once on the console.
 */

/** Every key the widget writes starts with this, so the page's own keys are never touched. */
export const STORE_PREFIX = 'socialboards-ticket:';

/** Says on the console what the widget dropped or could not keep: nothing the integrator must fix. */
export const warn = (...said: unknown[]) => console.warn('[SocialboardsTicket]', ...said);

let warned = false;

/** Runs `job` on localStorage (reading the property itself throws where site data is blocked). */
function guard<T>(job: (storage: Storage) => T): T | undefined {
  try {
    return job(localStorage);
  } catch (error) {
    if (!warned) warn('drafts and the outbox are off:', error);
    warned = true;
    return undefined;
  }
}

/** The value stored at `key`: null or undefined when there is none or no storage. */
export const readStored = (key: string): unknown => guard((storage) => JSON.parse(storage.getItem(key) as string));

/** Stores `value` at `key`; false when the browser refused (no storage, quota). */
export const writeStored = (key: string, value: unknown): boolean =>
  guard((storage) => {
    storage.setItem(key, JSON.stringify(value));
    return true;
  }) ?? false;

export const removeStored = (key: string) => guard((storage) => storage.removeItem(key));

/** Every stored key that starts with `prefix`. */
export const storedKeys = (prefix: string): string[] => guard((storage) => Object.keys(storage).filter((key) => key.startsWith(prefix))) ?? [];
