import { PGlite } from '@electric-sql/pglite';
import type { SqlClient, SqlQueryable } from '../sql/sql-client.js';
import { SqlStore } from '../sql/sql-store.js';
import { DataDirLock } from './data-dir-lock.js';

/**
 * Embedded PostgreSQL in WebAssembly, the default store. `dataDir` undefined keeps
 * everything in memory (tests, benchmarks); otherwise the dir is locked to this process.
 */
export async function openPgliteStore(dataDir?: string): Promise<SqlStore> {
  const lock = dataDir === undefined ? undefined : DataDirLock.acquire(dataDir);
  try {
    const db = await PGlite.create(dataDir === undefined ? undefined : { dataDir });
    return await SqlStore.open('pglite', new PgliteClient(db, lock));
  } catch (error) {
    lock?.release();
    throw error;
  }
}

class PgliteClient implements SqlClient {
  readonly #db: PGlite;
  readonly #lock: DataDirLock | undefined;

  constructor(db: PGlite, lock: DataDirLock | undefined) {
    this.#db = db;
    this.#lock = lock;
  }

  async query<R>(sql: string, params: readonly unknown[] = []): Promise<{ rows: R[] }> {
    const result = await this.#db.query<R>(sql, params as unknown[]);
    return { rows: result.rows };
  }

  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return this.#db.transaction((tx) =>
      fn({
        async query<R>(sql: string, params: readonly unknown[] = []) {
          const result = await tx.query<R>(sql, params as unknown[]);
          return { rows: result.rows };
        },
      }),
    );
  }

  async exec(sql: string): Promise<void> {
    await this.#db.exec(sql);
  }

  async close(): Promise<void> {
    try {
      await this.#db.close();
    } finally {
      this.#lock?.release();
    }
  }
}
