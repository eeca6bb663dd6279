/** Language packs: each translates every word the widget can show, with the same placeholders. */
import { describe, expect, it } from 'vitest';
import { createTranslator, MESSAGE_KEYS, type MessageKey } from '../../src/widget/i18n';
import { nb } from '../../src/widget/locales/nb';

const PACKS = { nb };
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe.each(Object.entries(PACKS))('the %s pack', (_, pack) => {
  const english = createTranslator('en');
  it('has every key, and no key the widget does not know', () => {
    expect(Object.keys(pack).sort()).toEqual([...MESSAGE_KEYS].sort());
  });
  it.each([...MESSAGE_KEYS])('keeps the placeholders of %s', (key) => {
    const text = pack[key as MessageKey] ?? '';
    expect(placeholders(text)).toEqual(placeholders(english(key as MessageKey)));
  });
});
