import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import type { SqlColumn } from '../sql/sql-client.js';
import { binaryCopy } from './binary-copy.js';

describe('binary COPY rows', () => {
  it('PostgreSQL reads back every type as written: text, integers, real[] (empty too), vector, NULLs', async () => {
    const db = await PGlite.create({ extensions: { vector } });
    try {
      await db.exec('CREATE EXTENSION vector; CREATE TABLE t (s text, n integer, a real[], v vector)');
      const columns: SqlColumn[] = [{ name: 's', type: 'text' }, { name: 'n', type: 'integer' }, { name: 'a', type: 'real[]' }, { name: 'v', type: 'vector' }];
      const rows = [
        ["it's ünïcødé 🎉 \\ ;", -7, [0.5, -1.25, 3], [1, 2, 3]],
        ['', 2_147_483_647, [], [0.25]],
        [null, null, null, null],
      ];
      await db.query("COPY t (s, n, a, v) FROM '/dev/blob' WITH (FORMAT binary)", [], { blob: new Blob([binaryCopy(columns, rows)]) });
      const { rows: back } = await db.query<{ s: string | null; n: number | null; a: number[] | null; v: string | null }>('SELECT s, n, a, v::text AS v FROM t ORDER BY n NULLS LAST');
      assert.deepEqual(back.map((r) => [r.s, r.n, r.a, r.v]), [
        ["it's ünïcødé 🎉 \\ ;", -7, [0.5, -1.25, 3], '[1,2,3]'],
        ['', 2_147_483_647, [], '[0.25]'],
        [null, null, null, null],
      ]);
    } finally {
      await db.close();
    }
  });
});
