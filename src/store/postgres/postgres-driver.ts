import { createHash } from 'node:crypto';
import pg from 'pg';
import { UmcaError } from '../../core/errors.js';
import { insertByRecordset } from '../sql/recordset-insert.js';
import type { SqlClient, SqlColumn, SqlQueryable } from '../sql/sql-client.js';
import { SqlStore } from '../sql/sql-store.js';

/**
 * PostgreSQL through a `pg` pool: the store for teams and for several processes. Given a URL,
 * the store makes its pool and ends it on close; given a pool (an embedder's, with its own
 * TLS, sizing or instrumentation), it uses that one and leaves it open for its owner.
 */
export async function openPostgresStore(target: string | pg.Pool, options: { max?: number } = {}): Promise<SqlStore> {
  const owned = typeof target === 'string';
  const pool = owned ? new pg.Pool({ connectionString: target, max: options.max ?? 10 }) : target;
  // A pool emits 'error' for idle clients whose server went away; without a listener it crashes the process.
  if (owned) pool.on('error', () => undefined);
  try {
    const probe = await pool.connect();
    probe.release();
  } catch (error) {
    if (owned) await pool.end().catch(() => undefined);
    const where = owned ? redact(target) : 'the given pool';
    throw new UmcaError('store_unreachable', `cannot reach PostgreSQL at ${where}: ${(error as Error).message}`, {
      status: 503,
      cause: error,
      isRetryable: true,
    });
  }
  return SqlStore.open('postgres', new PostgresClient(pool, owned));
}

class PostgresClient implements SqlClient {
  readonly #pool: pg.Pool;
  readonly #owned: boolean;

  constructor(pool: pg.Pool, owned: boolean) {
    this.#pool = pool;
    this.#owned = owned;
  }

  async query<R>(sql: string, params: readonly unknown[] = []): Promise<{ rows: R[] }> {
    const result = await this.#pool.query(statement(sql, params));
    return { rows: result.rows as R[] };
  }

  insertRows(table: string, columns: readonly SqlColumn[], rows: readonly (readonly unknown[])[]): Promise<void> {
    return insertByRecordset(this, table, columns, rows);
  }

  async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const tx: SqlQueryable = {
        async query<R>(sql: string, params: readonly unknown[] = []) {
          const res = await client.query(statement(sql, params));
          return { rows: res.rows as R[] };
        },
        insertRows: (table, columns, rows) => insertByRecordset(tx, table, columns, rows),
      };
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#pool.end();
  }
}

/**
 * A named statement: `pg` prepares it once per connection and then only binds and
 * executes, skipping the parse and plan of umca's larger statements (the commit CTE).
 * The name is a hash of the text, so one name never stands for two texts.
 */
function statement(sql: string, params: readonly unknown[]): pg.QueryConfig {
  if (params.length === 0) return { text: sql };
  return { name: `umca_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`, text: sql, values: params as unknown[] };
}

/** Never print a password from a URL. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}
