import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { openPostgresStore } from './postgres-driver.js';

// PostgreSQL where the machine has one (CI sets UMCA_TEST_POSTGRES_URL); the Store contract
// suite runs on it too (src/store/store.contract.test.ts).
const url = process.env.UMCA_TEST_POSTGRES_URL;

if (url) {
  describe('PostgreSQL driver: a pool it is given', () => {
    it("works on the embedder's pool and leaves it open for its owner on close", async () => {
      const schema = `umca_test_${randomBytes(6).toString('hex')}`;
      const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}` });
      await pool.query(`CREATE SCHEMA ${schema}`);
      try {
        const store = await openPostgresStore(pool);
        const id = randomUUID();
        await store.createRun({ id, spec: 's', model: 'm', trace_id: 'a'.repeat(32) });
        assert.equal((await store.getRun(id))?.status, 'created');
        await store.close();
        const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM runs');
        assert.equal(Number(rows[0]!.n), 1, 'the pool still answers after the store closed');
      } finally {
        await pool.query(`DROP SCHEMA ${schema} CASCADE`);
        await pool.end();
      }
    });

    it('says once, at open, what to install when the server has no pgvector (vectors stay real[])', async () => {
      const schema = `umca_test_${randomBytes(6).toString('hex')}`;
      const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}` });
      await pool.query(`CREATE SCHEMA ${schema}`);
      try {
        const { rows } = await pool.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
        const store = await openPostgresStore(pool);
        const { rows: column } = await pool.query<{ udt_name: string }>("SELECT udt_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'kb_chunks' AND column_name = 'embedding'", [schema]);
        await store.close();
        if (rows.length > 0) {
          assert.deepEqual([store.notices, column[0]?.udt_name], [[], 'vector']);
        } else {
          assert.equal(store.notices.length, 1);
          assert.match(store.notices[0]!, /^PostgreSQL \d+ has no pgvector extension: .*apt install postgresql-\d+-pgvector/);
          assert.equal(column[0]?.udt_name, '_float4');
        }
      } finally {
        await pool.query(`DROP SCHEMA ${schema} CASCADE`);
        await pool.end();
      }
    });

    it('names the pool, never a URL, when it cannot connect', async () => {
      const pool = new pg.Pool({ connectionString: 'postgres://nobody:secret@127.0.0.1:9/x', connectionTimeoutMillis: 500 });
      pool.on('error', () => undefined);
      await assert.rejects(openPostgresStore(pool), (error: Error & { code?: string }) => error.code === 'store_unreachable' && /the given pool/.test(error.message) && !/secret/.test(error.message));
      await pool.end();
    });
  });
}
