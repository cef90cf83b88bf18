import { NotFoundError } from '../core/errors.js';
import type { Principal } from '../core/principal.js';
import { validateInput } from '../core/validate-input.js';
import type { AccessGuard } from '../identity/access-guard.js';
import { newApiKey } from '../identity/api-key-authenticator.js';
import type { ApiKeyRecord, ApiKeyStore } from '../store/api-key-store.js';
import { KEY_ID, newKeyInput, type NewKeyInput } from './key-input.js';
import type { ApiKeys, CreatedApiKey } from './keys.js';

export interface KeyServiceDeps {
  store: Pick<ApiKeyStore, 'createApiKey' | 'listApiKeys' | 'revokeApiKey'>;
  access: Pick<AccessGuard, 'authorize'>;
}

const KEYS = { type: 'System', id: 'keys' } as const;

/** API keys, written once: `for(principal)` is the caller's view (see ApiKeys). */
export class KeyService {
  constructor(private readonly deps: KeyServiceDeps) {}

  for(principal: Principal): ApiKeys {
    const { store, access } = this.deps;
    const mayAdminister = () => access.authorize(principal, 'admin', KEYS);
    return {
      async create(input: NewKeyInput): Promise<CreatedApiKey> {
        const { role, name } = validateInput(newKeyInput, input);
        await mayAdminister();
        const key = newApiKey();
        const record = await store.createApiKey({ id: key.id, name, role, secretSha256: key.secretSha256 });
        return { ...record, key: key.token };
      },
      async list(): Promise<ApiKeyRecord[]> {
        await mayAdminister();
        return store.listApiKeys();
      },
      async revoke(id: string): Promise<ApiKeyRecord> {
        await mayAdminister();
        const revoked = KEY_ID.test(id) ? await store.revokeApiKey(id) : undefined;
        if (!revoked) throw new NotFoundError(`no API key ${id} (see umca keys list)`, 'api_key_not_found');
        return revoked;
      },
    };
  }
}
