/** Client middleware: who sent the request, for limits and the log line, decided once per request. */
import type { Context, MiddlewareHandler } from 'hono';
import { clientAddress, clientKey } from '../client/client-address';
import type { ClientAddressOptions } from '../client/client-address';
import type { RelayEnv } from '../relay-env';

export interface ClientOptions extends ClientAddressOptions {
  /** The socket's remote address; the runtime adapter knows it (server.ts), `app.request()` does not. */
  socketAddress: (c: Context<RelayEnv>) => string | undefined;
  /** The keyed hash that names the client in log lines. */
  logId: (clientKey: string) => string;
}

/** Sets `client`: its address, the key its limits count under, and its name in the log. */
export const identifyClient =
  ({ socketAddress, logId, ...addressing }: ClientOptions): MiddlewareHandler<RelayEnv> =>
  async (c, next) => {
    const address = clientAddress(socketAddress(c), c.req.header(addressing.forwardedHeader), addressing);
    const key = clientKey(address);
    // Hashed when a log line asks for it (none with RELAY_LOG=silent), once.
    let id: string | undefined;
    c.set('client', {
      address,
      key,
      get logId() {
        return (id ??= logId(key));
      },
    });
    await next();
  };
