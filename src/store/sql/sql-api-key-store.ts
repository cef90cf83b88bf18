import type { ApiKeyRecord, ApiKeyStore, NewApiKey } from '../api-key-store.js';
import type { SqlClient } from './sql-client.js';
import { toIso } from './sql-time.js';

/** API keys over any PostgreSQL-dialect client: the secret's hash only. */
export class SqlApiKeyStore implements ApiKeyStore {
  readonly #db: SqlClient;

  constructor(db: SqlClient) {
    this.#db = db;
  }

  async createApiKey(key: NewApiKey): Promise<ApiKeyRecord> {
    const { rows } = await this.#db.query<ApiKeyRow>(
      `INSERT INTO api_keys (id, name, role, secret_sha256) VALUES ($1, $2, $3, $4) RETURNING ${API_KEY_COLUMNS}`,
      [key.id, key.name, key.role, key.secretSha256],
    );
    return toApiKey(rows[0]!);
  }

  async getApiKey(id: string): Promise<(ApiKeyRecord & { secretSha256: string }) | undefined> {
    const { rows } = await this.#db.query<ApiKeyRow & { secret_sha256: string }>(`SELECT ${API_KEY_COLUMNS}, secret_sha256 FROM api_keys WHERE id = $1`, [id]);
    return rows[0] ? { ...toApiKey(rows[0]), secretSha256: rows[0].secret_sha256 } : undefined;
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.#db.query<ApiKeyRow>(`SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY created_at, id`);
    return rows.map(toApiKey);
  }

  async revokeApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.#db.query<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${API_KEY_COLUMNS}`,
      [id],
    );
    return rows[0] ? toApiKey(rows[0]) : undefined;
  }
}

const API_KEY_COLUMNS = 'id, name, role, created_at, revoked_at';

interface ApiKeyRow {
  id: string;
  name: string;
  role: string;
  created_at: Date | string;
  revoked_at: Date | string | null;
}

function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return { id: row.id, name: row.name, role: row.role, created_at: toIso(row.created_at), revoked_at: row.revoked_at === null ? null : toIso(row.revoked_at) };
}
