/** Build-time constants replaced by Vite's `define`. */
declare const __VERSION__: string;
/** The version and message keys a script-tag language pack must be made for (src/widget/locales/pack-format.ts). */
declare const __PACK_ID__: string;
