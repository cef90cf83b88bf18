import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import type { SqlClient, SqlColumn, SqlQueryable } from '../sql/sql-client.js';
import { SqlStore } from '../sql/sql-store.js';
import { binaryCopy } from './binary-copy.js';
import { DataDirLock } from './data-dir-lock.js';

/**
 * Embedded PostgreSQL in WebAssembly, the default store. `dataDir` undefined keeps
 * everything in memory (tests, benchmarks); otherwise the dir is locked to this process.
 */
export async function openPgliteStore(dataDir?: string): Promise<SqlStore> {
  const lock = dataDir === undefined ? undefined : DataDirLock.acquire(dataDir);
  try {
    if (dataDir !== undefined) await initialiseOnce(dataDir);
    const db = await openDb(dataDir);
    return await SqlStore.open('pglite', new PgliteClient(db, lock));
  } catch (error) {
    lock?.release();
    throw error;
  }
}

async function openDb(dataDir: string | undefined): Promise<PGlite> {
  let db: PGlite;
  try {
    db = await PGlite.create({ ...(dataDir === undefined ? {} : { dataDir }), extensions: { vector } });
  } catch (error) {
    if (dataDir === undefined) throw error;
    throw new ConfigError(`${dataDir}: not a usable embedded database (${(error as Error).message.split('\n')[0]}); move it aside to start with an empty state, or restore it from a backup`);
  }
  // literal() quotes for this setting (PostgreSQL's default since 9.1); made certain here.
  await db.exec('SET standard_conforming_strings = on');
  return db;
}

/**
 * A new data dir is made whole or not at all: initialised and migrated in a sibling
 * `<dir>.init-<pid>`, then renamed into place, so a process killed during its very first
 * start leaves no half-made state dir (only a leftover the next start removes).
 */
async function initialiseOnce(dataDir: string): Promise<void> {
  const parent = dirname(dataDir);
  const prefix = `${basename(dataDir)}.init-`;
  for (const entry of readdirSync(parent)) if (entry.startsWith(prefix)) rmSync(join(parent, entry), { recursive: true, force: true });
  if (existsSync(dataDir)) {
    if (!statSync(dataDir).isDirectory()) throw new ConfigError(`${dataDir}: expected the embedded database's directory, found a file; move it aside to start with an empty state`);
    if (readdirSync(dataDir).length > 0) return;
    rmSync(dataDir, { recursive: true });
  }
  const staging = join(parent, `${prefix}${process.pid}`);
  const db = await PGlite.create({ dataDir: staging, extensions: { vector } });
  await db.exec('SET standard_conforming_strings = on');
  const store = await SqlStore.open('pglite', new PgliteClient(db, undefined));
  await store.close();
  renameSync(staging, dataDir);
}

/**
 * PGlite runs each extended-protocol query as six calls into WebAssembly (parse, describe,
 * bind, describe, execute, sync), and re-plans it every time. So each distinct statement is
 * prepared once with `unknown` parameter types (inferred from context, as for a bound
 * parameter), then run with `EXECUTE name(…)` over the simple protocol, its arguments quoted
 * by literal(). The statement texts are umca's own; values never become SQL.
 * Measured: a commit's statement takes ~1.3 ms prepared against ~2.2 ms (docs/benchmarks.md).
 */
class PreparedStatements {
  /** Statement name by SQL text, as a promise: concurrent first uses share one PREPARE. */
  readonly #names = new Map<string, Promise<string>>();
  readonly #limit: number;

  constructor(limit = 256) {
    this.#limit = limit;
  }

  async run<R>(exec: (sql: string) => Promise<ReadonlyArray<{ rows: unknown[] }>>, sql: string, params: readonly unknown[]): Promise<{ rows: R[] }> {
    if (params.length === 0) return lastRows<R>(await exec(sql));
    let name = this.#names.get(sql);
    if (name === undefined) {
      name = this.#prepare(exec, sql, params.length);
      this.#names.set(sql, name);
      name.catch(() => this.#names.delete(sql));
    }
    return lastRows<R>(await exec(`EXECUTE ${await name}(${params.map(literal).join(', ')})`));
  }

  async #prepare(exec: (sql: string) => Promise<unknown>, sql: string, arity: number): Promise<string> {
    const name = `umca_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    if (this.#names.size > this.#limit) {
      const [oldestSql, oldest] = this.#names.entries().next().value as [string, Promise<string>];
      this.#names.delete(oldestSql);
      await exec(`DEALLOCATE ${await oldest}`);
    }
    await exec(`PREPARE ${name}(${Array.from({ length: arity }, () => 'unknown').join(', ')}) AS ${sql}`);
    return name;
  }
}

/**
 * A value as an SQL literal. Text is single-quoted with its quotes doubled, which is exact
 * with standard_conforming_strings on (set at open): backslashes are plain characters then.
 * One native replace, where pg's escapeLiteral builds the string a character at a time; on a
 * batch of usage records that loop made most of the gateway's garbage (docs/benchmarks.md).
 */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Uint8Array) return `'\\x${Buffer.from(value).toString('hex')}'`;
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `'${text.replaceAll("'", "''")}'`;
}

function lastRows<R>(results: ReadonlyArray<{ rows: unknown[] }>): { rows: R[] } {
  return { rows: (results.at(-1)?.rows ?? []) as R[] };
}

/** Rows into `table` by binary COPY from a blob (PGlite's /dev/blob): no float is parsed from text. */
async function copyRows(db: PGlite | Transaction, table: string, columns: readonly SqlColumn[], rows: readonly (readonly unknown[])[]): Promise<void> {
  if (rows.length === 0) return;
  const blob = new Blob([binaryCopy(columns, rows)]);
  await db.query(`COPY ${table} (${columns.map((column) => column.name).join(', ')}) FROM '/dev/blob' WITH (FORMAT binary)`, [], { blob });
}

class PgliteClient implements SqlClient {
  readonly #db: PGlite;
  readonly #lock: DataDirLock | undefined;
  readonly #prepared = new PreparedStatements();

  constructor(db: PGlite, lock: DataDirLock | undefined) {
    this.#db = db;
    this.#lock = lock;
  }

  async query<R>(sql: string, params: readonly unknown[] = []): Promise<{ rows: R[] }> {
    return this.#prepared.run<R>((text) => this.#db.exec(text), sql, params);
  }

  insertRows(table: string, columns: readonly SqlColumn[], rows: readonly (readonly unknown[])[]): Promise<void> {
    return copyRows(this.#db, table, columns, rows);
  }

  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return this.#db.transaction((tx) =>
      fn({
        query: <R>(sql: string, params: readonly unknown[] = []) => this.#prepared.run<R>((text) => tx.exec(text), sql, params),
        insertRows: (table, columns, rows) => copyRows(tx, table, columns, rows),
      }),
    );
  }

  async close(): Promise<void> {
    try {
      await this.#db.close();
    } finally {
      this.#lock?.release();
    }
  }
}
