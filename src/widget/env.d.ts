/** Build-time constants replaced by Vite's `define`. */
declare const __VERSION__: string;
