/** The column types a bulk insert carries (see SqlQueryable.insertRows). */
export type SqlColumnType = 'text' | 'integer' | 'real' | 'real[]' | 'vector';

export interface SqlColumn {
  name: string;
  type: SqlColumnType;
}

/**
 * The small structural surface umca needs from a PostgreSQL-dialect driver.
 * PGlite and `pg` are adapted to it; the SQL store never imports either.
 */
export interface SqlQueryable {
  /** Runs one parameterised statement ($1, $2 …) and returns its rows. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[] }>;
  /**
   * Inserts many rows into `table` at once, each row's values in `columns`' order (null for
   * NULL; numbers arrays for real[] and vector). A driver picks its fastest way: PGlite copies
   * them in PostgreSQL's binary format, where text would make WebAssembly parse every float.
   */
  insertRows(table: string, columns: readonly SqlColumn[], rows: readonly (readonly unknown[])[]): Promise<void>;
}

export interface SqlClient extends SqlQueryable {
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
