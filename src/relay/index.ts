/**
 * The relay as a library (the `socialboards-ticket-relay` package): parse the configuration, then
 * start the relay on its own server, or build the Hono app and mount it in yours.
 */
export { buildRelay } from './app';
export type { Relay, RelayDeps } from './app';
export { ConfigError, parseRelayConfig } from './config';
export type { RelayConfig } from './config';
export { startRelay } from './server';
export type { RunningRelay } from './server';
