import type { SqlColumn, SqlQueryable } from './sql-client.js';

/**
 * A bulk insert as one statement: the rows travel as one JSON parameter and
 * jsonb_to_recordset types each column (a JSON array becomes a real[], and its text is
 * pgvector's input format too). What a driver without a faster way uses.
 */
export async function insertByRecordset(db: Pick<SqlQueryable, 'query'>, table: string, columns: readonly SqlColumn[], rows: readonly (readonly unknown[])[]): Promise<void> {
  if (rows.length === 0) return;
  const names = columns.map((column) => column.name);
  const objects = rows.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i] ?? null])));
  await db.query(
    `INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.map((name) => `r.${name}`).join(', ')}
     FROM jsonb_to_recordset($1::jsonb) AS r(${columns.map((column) => `${column.name} ${column.type}`).join(', ')})`,
    [JSON.stringify(objects)],
  );
}
