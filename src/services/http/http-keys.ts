import type { ApiKeyRecord } from '../../store/api-key-store.js';
import type { NewKeyInput } from '../key-input.js';
import type { ApiKeys, CreatedApiKey } from '../keys.js';
import type { UmcaHttpClient } from './umca-http-client.js';

/** The API keys of a running `umca serve`, over `/v1/keys`. */
export class HttpKeys implements ApiKeys {
  constructor(private readonly http: UmcaHttpClient) {}

  create(input: NewKeyInput): Promise<CreatedApiKey> {
    return this.http.json('POST', '/v1/keys', input);
  }

  async list(): Promise<ApiKeyRecord[]> {
    return (await this.http.json<{ data: ApiKeyRecord[] }>('GET', '/v1/keys')).data;
  }

  revoke(id: string): Promise<ApiKeyRecord> {
    return this.http.json('POST', `/v1/keys/${encodeURIComponent(id)}/revoke`, {});
  }
}
