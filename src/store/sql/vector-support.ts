import type { SqlClient } from './sql-client.js';

/** How this database keeps knowledge-base vectors. */
export interface VectorSupport {
  /** pgvector is enabled: kb_chunks.embedding is a `vector` and large bases get an HNSW index. */
  pgvector: boolean;
  /** Said once at start when vectors fall back to exact search over real[], naming what to install. */
  notice?: string;
}

const LOCK = 'SELECT pg_advisory_xact_lock(7070707)'; // the migrations' lock

/**
 * Enables pgvector where the server has it (PGlite ships it; a PostgreSQL needs the package)
 * and moves kb_chunks.embedding from real[] to vector the first time it is there, so an
 * existing store keeps its vectors. Without pgvector, vectors stay real[] and search is an
 * exact scan: the same answers, slower past a few tens of thousands of chunks.
 */
export async function enableVectors(db: SqlClient): Promise<VectorSupport> {
  if (!(await installed(db))) {
    const { rows } = await db.query<{ name: string }>("SELECT name FROM pg_available_extensions WHERE name = 'vector'");
    if (!rows[0]) return { pgvector: false, notice: await missingNotice(db) };
    try {
      await db.transaction(async (tx) => {
        await tx.query(LOCK);
        await tx.query('CREATE EXTENSION IF NOT EXISTS vector');
      });
    } catch (error) {
      return {
        pgvector: false,
        notice: `pgvector is installed on the PostgreSQL server but umca could not enable it (${(error as Error).message}); knowledge-base vector search scans every chunk until a superuser runs CREATE EXTENSION vector in this database`,
      };
    }
  }
  await db.transaction(async (tx) => {
    await tx.query(LOCK);
    const { rows } = await tx.query<{ udt_name: string }>(
      "SELECT udt_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'kb_chunks' AND column_name = 'embedding'",
    );
    if (rows[0]?.udt_name === '_float4') await tx.query('ALTER TABLE kb_chunks ALTER COLUMN embedding TYPE vector USING embedding::vector');
  });
  return { pgvector: true };
}

async function installed(db: SqlClient): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'");
  return rows.length > 0;
}

async function missingNotice(db: SqlClient): Promise<string> {
  const { rows } = await db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  const major = Math.floor(Number(rows[0]?.v ?? 0) / 10_000);
  return (
    `PostgreSQL ${major} has no pgvector extension: knowledge-base vector search scans every chunk exactly (real[]), which slows past ~10,000 chunks. ` +
    `Install pgvector on the database server (Debian/Ubuntu: apt install postgresql-${major}-pgvector from apt.postgresql.org; or build it from github.com/pgvector/pgvector) and restart umca to index vectors with HNSW.`
  );
}
