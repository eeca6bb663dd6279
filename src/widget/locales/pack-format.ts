/**
 * The script-tag language pack format, made at build time (vite.config.ts, mode `locales`); the
 * widget reads it in `i18n.ts`. A pack file is one statement:
 *
 *   <BOM>(self.SocialboardsTicketLocales||(self.SocialboardsTicketLocales={})).sv="0.1.0#94.1a2b3c|ltr|Kontakta oss|…"
 *
 * - The words only, in the order of the English catalogue's keys (`Object.keys(EN)`), which the
 *   widget already holds, joined by `|`: the keys cost each pack about 0.5 KB gzip, the quotes and
 *   commas of an array another 30 B (measured for every pack; README, "Languages").
 * - First, the widget version and key list the pack was made for (the key list's length and a
 *   hash of it). A widget with another key list refuses the pack, names both in the
 *   console and speaks English: never a word under the wrong key.
 * - UTF-8 with a byte-order mark rather than `\u` escapes: per the Encoding Standard a BOM decides
 *   a classic script's encoding ahead of the Content-Type charset and the page's own
 *   (https://encoding.spec.whatwg.org/#decode, https://html.spec.whatwg.org/#fetch-a-classic-script),
 *   so the words read right on a windows-1252 page too (e2e/languages.spec.ts). Arabic costs 180 B
 *   less than escaped; the Latin-script packs about the same either way. The widget's own script
 *   stays ASCII only (vite.config.ts says why).
 * - Written out as is, not through a minifier: there is nothing left to minify, and Oxc and
 *   terser would escape the text again.
 */
/** Between two words; no word may hold it (test/widget/locales.test.ts). */
export const SEPARATOR = '|';

/**
 * Names a widget version and its key list: the list's length and its 32-bit FNV-1a hash, such as
 * `0.1.0#82.1x4k2f`. Plain code rather than node:crypto, so tests in a browser-like environment
 * can make packs too; a hash against mistakes, not against anyone.
 */
export function packId(version: string, keys: readonly string[]): string {
  let hash = 0x811c9dc5;
  for (const char of keys.join('\n')) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return `${version}#${keys.length}.${hash.toString(36)}`;
}

/** A catalogue's words in the order of `keys`, behind the version and key list they are for. */
export function packWords(catalogue: Readonly<Record<string, string>>, keys: readonly string[], version: string): string {
  return [packId(version, keys), ...keys.map((key) => catalogue[key])].join(SEPARATOR);
}

/** The whole script-tag file for the language `tag`. */
export function packScript(tag: string, packed: string): string {
  return `\uFEFF(self.SocialboardsTicketLocales||(self.SocialboardsTicketLocales={})).${tag}=${JSON.stringify(packed)}\n`;
}
