import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { openPgliteStore } from './pglite-driver.js';

describe('PGlite keeps vectors in pgvector', () => {
  it('moves a store made before pgvector (vectors as real[]) onto vector at open, keeping every vector', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'umca-vec-')), 'pglite');
    const first = await openPgliteStore(dir);
    await first.knowledge.createKnowledgeBase({ name: 'old', embedding_model: 'm', dimensions: 2, created_by: 'u' });
    await first.knowledge.putKbDocuments('old', [{ document: { id: 'a', source: 'a.md', type: 'markdown', sha256: 'h', chars: 10, tags: [], parsed: { type: 'markdown', text: 'east north', sections: [] } }, chunks: [
      { ord: 0, text: 'east', start: 0, end: 4, heading: null, page: null, sha256: 's0', terms: new Map([['east', 1]]), length: 1, embedding: [1, 0] },
      { ord: 1, text: 'north', start: 5, end: 10, heading: null, page: null, sha256: 's1', terms: new Map([['north', 1]]), length: 1, embedding: [0, 1] },
    ] }]);
    await first.close();
    // What a data dir from before this version holds: the same rows, the vectors as real[].
    const raw = await PGlite.create({ dataDir: dir, extensions: { vector } });
    await raw.exec('ALTER TABLE kb_chunks ALTER COLUMN embedding TYPE real[] USING embedding::real[]');
    await raw.close();

    const reopened = await openPgliteStore(dir);
    try {
      const hits = await reopened.knowledge.searchKbVector('old', [0, 1], { k: 2 });
      assert.deepEqual(hits.map((h) => [h.text, Math.round(h.score * 1e6) / 1e6]), [['north', 1], ['east', 0]]);
      assert.deepEqual([...(await reopened.knowledge.kbEmbeddings('old', ['s0'])).values()], [[1, 0]]);
      assert.equal(reopened.notices.length, 0, 'nothing to install');
    } finally {
      await reopened.close();
    }
    const check = await PGlite.create({ dataDir: dir, extensions: { vector } });
    const { rows } = await check.query<{ udt_name: string }>("SELECT udt_name FROM information_schema.columns WHERE table_name = 'kb_chunks' AND column_name = 'embedding'");
    await check.close();
    assert.equal(rows[0]?.udt_name, 'vector');
  });
});
