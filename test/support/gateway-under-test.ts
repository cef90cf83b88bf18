import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/server/app.js';
import { createHttpServer } from '../../src/server/http-server.js';
import type { Umca } from '../../src/umca.js';
import { testUmca } from './umca.js';

/** One way to reach the gateway: the Hono app in-process, or `umca serve`'s server over HTTP (its node:http hot path). */
export interface Transport {
  name: string;
  fetch(url: string, init?: RequestInit): Promise<Response>;
  base: string;
}

/** A umca with `config`, reachable both ways, and how to stop it all. */
export async function gatewayUnderTest(config: Record<string, unknown>): Promise<{ umca: Umca; transports: Transport[]; close(): Promise<void> }> {
  const umca = await testUmca(config);
  const app = createApp(umca, { log: () => undefined });
  const server: Server = createHttpServer(umca, { log: () => undefined });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    umca,
    transports: [
      { name: 'in-process app', fetch: async (url, init) => app.request(url.replace('http://umca.test', ''), init), base: 'http://umca.test' },
      { name: 'umca serve over HTTP', fetch: (url, init) => fetch(url, init), base: `http://127.0.0.1:${port}` },
    ],
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await umca.close();
    },
  };
}
