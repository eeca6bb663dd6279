/** The device store and the outbox: what is kept in localStorage, under which key, for how long, and what happens when the browser will not keep it. */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { OutboxEntry } from '../../src/submitter/outbox';
import { memoryStorage } from './memory-storage';

const RELAY = 'https://relay.example';
const DAY = 864e5;
const entry = (key: string, at: number): OutboxEntry => ({
  key,
  body: JSON.stringify({ title: 'Where is my order?', message: 'It has not arrived.', creator: {} }),
  at,
  values: { title: 'Where is my order?', message: 'It has not arrived.' },
  files: [],
});

let warnings: MockInstance<typeof console.warn>;

/** The modules afresh: the store says its first failure once per page, so each test gets its own page. */
async function load() {
  vi.resetModules();
  return { ...(await import('../../src/submitter/device-store')), ...(await import('../../src/submitter/outbox')) };
}

beforeEach(() => {
  warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('the outbox', () => {
  it('keeps each entry under the widget prefix, its relay and its key, and hands back this relay’s entries', async () => {
    const storage = memoryStorage();
    vi.stubGlobal('localStorage', storage);
    const { putEntry, dueEntries, removeEntry } = await load();
    const outbox = { relay: RELAY, maxAgeMs: 7 * DAY };
    const now = Date.now();
    expect(putEntry(outbox, entry('key-one-0123456789', now))).toBe(true);
    putEntry(outbox, entry('key-two-0123456789', now));
    putEntry({ relay: 'https://other-relay.example', maxAgeMs: 7 * DAY }, entry('key-other-01234567', now));
    storage.setItem('the-page-own-key', 'untouched');

    expect(Object.keys(storage)).toContain(`socialboards-ticket:outbox:${RELAY} key-one-0123456789`);
    expect(dueEntries(outbox, now).map(({ key }) => key).sort()).toEqual(['key-one-0123456789', 'key-two-0123456789']);
    expect(dueEntries(outbox, now)[0]).toEqual(entry(dueEntries(outbox, now)[0]!.key, now));

    removeEntry(outbox, 'key-one-0123456789');
    expect(dueEntries(outbox, now).map(({ key }) => key)).toEqual(['key-two-0123456789']);
    expect(storage.getItem('the-page-own-key')).toBe('untouched');
    expect(warnings).not.toHaveBeenCalled();
  });

  it('drops an entry older than its age, and one it cannot read, with a console warning each', async () => {
    const storage = memoryStorage();
    vi.stubGlobal('localStorage', storage);
    const { putEntry, dueEntries } = await load();
    const outbox = { relay: RELAY, maxAgeMs: 7 * DAY };
    const now = Date.now();
    putEntry(outbox, entry('fresh-0123456789ab', now - 6 * DAY));
    putEntry(outbox, entry('stale-0123456789ab', now - 8 * DAY));
    storage.setItem(`socialboards-ticket:outbox:${RELAY} broken-0123456789`, '{"key":');

    expect(dueEntries(outbox, now).map(({ key }) => key)).toEqual(['fresh-0123456789ab']);
    expect(Object.keys(storage)).toEqual([`socialboards-ticket:outbox:${RELAY} fresh-0123456789ab`]);
    expect(warnings.mock.calls).toContainEqual(['[SocialboardsTicket]', 'dropped a message not sent within', 7, 'days']);
  });
});

describe('when the browser will not keep anything', () => {
  it('writes nothing when storage is full, says so once, and reads as empty', async () => {
    const storage = memoryStorage();
    vi.spyOn(storage, 'setItem').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    vi.stubGlobal('localStorage', storage);
    const { putEntry, dueEntries, writeStored } = await load();
    const outbox = { relay: RELAY, maxAgeMs: 7 * DAY };
    expect(putEntry(outbox, entry('key-one-0123456789', Date.now()))).toBe(false);
    expect(writeStored('socialboards-ticket:draft:x', { at: 1 })).toBe(false);
    expect(dueEntries(outbox)).toEqual([]);
    expect(warnings).toHaveBeenCalledTimes(1);
    expect(warnings.mock.calls[0]).toEqual(['[SocialboardsTicket]', 'drafts and the outbox are off:', expect.objectContaining({ name: 'QuotaExceededError' })]);
  });

  it('does nothing, and throws nothing, where reading localStorage itself is refused', async () => {
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      get() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    });
    try {
      const { putEntry, dueEntries, readStored, removeStored, storedKeys } = await load();
      const outbox = { relay: RELAY, maxAgeMs: 7 * DAY };
      expect(putEntry(outbox, entry('key-one-0123456789', Date.now()))).toBe(false);
      expect(dueEntries(outbox)).toEqual([]);
      expect(readStored('anything')).toBeUndefined();
      expect(() => removeStored('anything')).not.toThrow();
      expect(storedKeys('socialboards-ticket:')).toEqual([]);
      expect(warnings).toHaveBeenCalledTimes(1);
    } finally {
      delete (globalThis as { localStorage?: Storage }).localStorage;
    }
  });
});
