/**
 * The ES module entry for SPA users: `import { mount } from 'socialboards-ticket-widget'`.
 * Languages beyond English: `import { nb } from 'socialboards-ticket-widget/locales/nb'` and
 * `registerLocale('nb', nb)` before mounting.
 */
export { mount, type WidgetHandle } from './mount';
export { registerLocale, type Catalogue, type MessageKey } from './i18n';
export type { Prefill } from '../submitter/prefill';
export type { MountOptions, SubmittedDetail, ErrorDetail } from './options';
