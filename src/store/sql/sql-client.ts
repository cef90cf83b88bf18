/**
 * The small structural surface umca needs from a PostgreSQL-dialect driver.
 * PGlite and `pg` are adapted to it; the SQL store never imports either.
 */
export interface SqlQueryable {
  /** Runs one parameterised statement ($1, $2 …) and returns its rows. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[] }>;
}

export interface SqlClient extends SqlQueryable {
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
