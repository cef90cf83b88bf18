import { createHash } from 'node:crypto';
import pg from 'pg';
import { UmcaError } from '../../core/errors.js';
import type { SqlClient, SqlQueryable } from '../sql/sql-client.js';
import { SqlStore } from '../sql/sql-store.js';

/** PostgreSQL through a `pg` pool: the store for teams and for several processes. */
export async function openPostgresStore(url: string, options: { max?: number } = {}): Promise<SqlStore> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  // A pool emits 'error' for idle clients whose server went away; without a listener it crashes the process.
  pool.on('error', () => undefined);
  try {
    const probe = await pool.connect();
    probe.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new UmcaError('store_unreachable', `cannot reach PostgreSQL at ${redact(url)}: ${(error as Error).message}`, {
      status: 503,
      cause: error,
      isRetryable: true,
    });
  }
  return SqlStore.open('postgres', new PostgresClient(pool));
}

class PostgresClient implements SqlClient {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async query<R>(sql: string, params: readonly unknown[] = []): Promise<{ rows: R[] }> {
    const result = await this.#pool.query(statement(sql, params));
    return { rows: result.rows as R[] };
  }

  async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn({
        async query<R>(sql: string, params: readonly unknown[] = []) {
          const res = await client.query(statement(sql, params));
          return { rows: res.rows as R[] };
        },
      });
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
    await this.#pool.end();
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
