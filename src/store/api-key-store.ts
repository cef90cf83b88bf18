/** API keys, by their secret's hash only. */
export interface ApiKeyStore {
  /** Stores a new API key (its secret's hash only). */
  createApiKey(key: NewApiKey): Promise<ApiKeyRecord>;
  /** The key with this id, revoked or not. */
  getApiKey(id: string): Promise<(ApiKeyRecord & { secretSha256: string }) | undefined>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** Marks a key revoked; returns it, or undefined when there is no such key. */
  revokeApiKey(id: string): Promise<ApiKeyRecord | undefined>;
}

export interface NewApiKey {
  id: string;
  name: string;
  role: string;
  secretSha256: string;
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: string;
  created_at: string;
  revoked_at: string | null;
}
