/**
 * Language packs: each translates every word the widget can show, with the same placeholders; the
 * script-tag format carries them by position and is refused when made for another widget; the
 * language is chosen, aliased and marked (`lang`, `dir`) on our content.
 */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { createTranslator, MESSAGE_KEYS, pickLocale, registerLocale, type MessageKey } from '../../src/widget/i18n';
import { mountWith, type WidgetHandle } from '../../src/widget/mount';
import { PACKS } from '../../src/widget/locales/all';
import { packId, packWords, SEPARATOR } from '../../src/widget/locales/pack-format';
import { stubRelay } from './fake-relay';

const KEYS = [...MESSAGE_KEYS];
const version = __VERSION__;
const english = createTranslator('en');
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe.each(Object.entries(PACKS))('the %s pack', (_, pack) => {
  it('has every key, and no key the widget does not know', () => {
    expect(Object.keys(pack).sort()).toEqual([...KEYS].sort());
  });
  it.each(KEYS)('keeps the placeholders of %s, and says something', (key) => {
    const text = pack[key as MessageKey];
    expect(placeholders(text)).toEqual(placeholders(english(key as MessageKey)));
    expect(text.trim()).not.toBe('');
    expect(text).not.toContain(SEPARATOR);
  });
});

let errors: MockInstance<typeof console.error>;
beforeEach(() => {
  errors = vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => {
  delete globalThis.SocialboardsTicketLocales;
  vi.restoreAllMocks();
});

/** What a script-tag pack file does when it runs. */
const loadScriptPack = (tag: string, packed: string) => ((globalThis.SocialboardsTicketLocales ??= {})[tag] = packed);

describe('the script-tag pack format', () => {
  it('is made for the version and key list this widget was built with', () => {
    expect(packId(version, KEYS)).toBe(__PACK_ID__);
  });

  it.each(Object.entries(PACKS))('gives back every word of %s under its key', (tag, pack) => {
    loadScriptPack(tag, packWords(pack, KEYS, version));
    expect(pickLocale([tag])).toBe(tag);
    const t = createTranslator(tag);
    for (const key of KEYS) expect(t(key as MessageKey)).toBe(pack[key as MessageKey]);
    expect(errors).not.toHaveBeenCalled();
  });

  it.each([
    ['another key list', [...KEYS, 'launcher'], version],
    ['keys in another order', [...KEYS].reverse(), version],
    ['another version', KEYS, '0.0.1'],
  ])('refuses a pack made for %s, says so naming both, and speaks English', (_, keys, madeFor) => {
    loadScriptPack('sv', packWords(PACKS.sv, keys, madeFor));
    expect(pickLocale(['sv-SE', 'en'])).toBe('en');
    expect(errors).toHaveBeenCalledWith(expect.stringContaining(`sv pack is for widget ${packId(madeFor, keys)}, not ${__PACK_ID__}`));
    expect(createTranslator(pickLocale(['sv']))('submit')).toBe('Send');
  });
});

describe('choosing the language', () => {
  beforeEach(() => {
    for (const [tag, pack] of Object.entries(PACKS)) registerLocale(tag, pack);
  });

  it.each([
    ['de-AT', 'de'],
    ['fr-CA', 'fr'],
    ['sv-FI', 'sv'],
    ['da_DK', 'da'],
    ['ar-EG', 'ar'],
    ['nb-NO', 'nb'],
  ])('reads %s as %s', (tag, language) => {
    expect(pickLocale([undefined, tag])).toBe(language);
  });

  it.each(['nn', 'nn-NO', 'no', 'NO'])('gives a %s page the Norwegian (Bokmål) words registered as nb', (tag) => {
    expect(pickLocale([tag])).toBe('nb');
  });

  it('prefers a Nynorsk catalogue of its own when one is registered', () => {
    registerLocale('nn', { submit: 'Send inn' });
    expect(pickLocale(['nn'])).toBe('nn');
    expect(createTranslator('nn')('submit')).toBe('Send inn');
  });
});

describe('lang and dir on our content', () => {
  const handles: WidgetHandle[] = [];
  beforeEach(() => {
    stubRelay();
    for (const [tag, pack] of Object.entries(PACKS)) registerLocale(tag, pack);
  });
  afterEach(() => {
    for (const handle of handles.splice(0)) handle.unmount();
    document.body.replaceChildren();
    document.documentElement.removeAttribute('lang');
    document.documentElement.removeAttribute('dir');
  });

  const rootOf = (options: Record<string, unknown>) => {
    const handle = mountWith(document.body.appendChild(document.createElement('div')), { relay: 'https://relay.example', ...options }, false);
    handles.push(handle);
    return handle.element!.shadowRoot!.querySelector('.root')!;
  };

  it('marks Arabic as right to left', () => {
    const root = rootOf({ locale: 'ar' });
    expect([root.getAttribute('lang'), root.getAttribute('dir')]).toEqual(['ar', 'rtl']);
  });

  it('keeps English left to right on a right-to-left page', () => {
    document.documentElement.lang = 'he';
    document.documentElement.dir = 'rtl';
    const root = rootOf({});
    expect([root.getAttribute('lang'), root.getAttribute('dir')]).toEqual(['en', 'ltr']);
  });

  it('follows <html lang> with a region, and an override of dir', () => {
    document.documentElement.lang = 'de-CH';
    expect(rootOf({}).getAttribute('lang')).toBe('de');
    expect(rootOf({ messages: { dir: 'rtl' } }).getAttribute('dir')).toBe('rtl');
  });
});
