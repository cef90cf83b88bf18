import type { ApiKeyRecord } from '../store/api-key-store.js';
import type { NewKeyInput } from './key-input.js';

/** A key as created: its record and, this once, its secret token (`umca_<id>_<secret>`). */
export type CreatedApiKey = ApiKeyRecord & { key: string };

/**
 * API keys, for one caller (every method is `admin` on `System keys`): the CLI on the state
 * dir, the CLI beside a running server, and `/v1/keys` all go through this.
 */
export interface ApiKeys {
  create(input: NewKeyInput): Promise<CreatedApiKey>;
  /** Every key, revoked ones included; never their secrets. */
  list(): Promise<ApiKeyRecord[]>;
  /** Revokes at once; 404 `api_key_not_found` when there is no such key. */
  revoke(id: string): Promise<ApiKeyRecord>;
}
