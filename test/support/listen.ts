import type { AddressInfo } from 'node:net';
import type { Umca } from '../../src/umca.js';
import { newApiKey } from '../../src/identity/api-key-authenticator.js';
import type { Role } from '../../src/core/principal.js';
import { createHttpServer } from '../../src/server/http-server.js';

/** The server `umca serve` listens with (its node:http hot path included), on a free loopback port. */
export async function listenUmca(umca: Umca): Promise<{ base: string; close(): Promise<void> }> {
  const server = createHttpServer(umca, { log: () => undefined });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** One API key per role, stored hashed as `umca keys create` does; the tokens by role. */
export async function apiKeysFor(umca: Umca, roles: readonly Role[]): Promise<Record<string, string>> {
  const keys: Record<string, string> = {};
  for (const role of roles) {
    const made = newApiKey();
    await umca.store.createApiKey({ id: made.id, name: role, role, secretSha256: made.secretSha256 });
    keys[role] = made.token;
  }
  return keys;
}
