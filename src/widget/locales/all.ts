/** Every language pack, by primary language subtag: the one list the build (script-tag files, ESM entries) and the tests read. */
import { ar } from './ar';
import { da } from './da';
import { de } from './de';
import { fr } from './fr';
import { nb } from './nb';
import { sv } from './sv';

export const PACKS = { ar, da, de, fr, nb, sv };
