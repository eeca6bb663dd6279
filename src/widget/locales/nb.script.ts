/**
 * The script-tag pack for Norwegian: `<script src="locales/nb.js">` before the widget's script.
 * Registers for `nb`, `nn` and `no`, since pages tag Norwegian all three ways.
 */
import { nb } from './nb';

const locales = (window.SocialboardsTicketLocales ??= {});
locales.nb = locales.nn = locales.no = nb;
