import { migrations } from './migrations.js';
import type { SqlClient } from './sql-client.js';

/** Applies pending migrations in one transaction, serialised across processes by an advisory lock. */
export async function migrate(client: SqlClient): Promise<void> {
  await client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7070707)');
    await tx.query(
      'CREATE TABLE IF NOT EXISTS umca_migrations (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await tx.query<{ id: number }>('SELECT id FROM umca_migrations');
    const applied = new Set(rows.map((row) => Number(row.id)));
    for (const migration of migrations) {
      if (applied.has(migration.id)) continue;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('INSERT INTO umca_migrations (id, name) VALUES ($1, $2)', [migration.id, migration.name]);
    }
  });
}

/** Migrations hold plain DDL: no semicolons inside strings or bodies. */
function splitStatements(sql: string): string[] {
  return sql
    .replace(/--[^\n]*/g, '')
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}
