/** The ES module entry for SPA users: `import { mount } from 'socialboards-ticket-widget'`. */
export { mount, type WidgetHandle } from './mount';
export type { MountOptions, SubmittedDetail, ErrorDetail } from './options';
export type { MessageKey } from './i18n';
