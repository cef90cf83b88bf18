import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collectSources } from '../src/cli/kb-sources.js';
import { LOCAL_PRINCIPAL } from '../src/core/principal.js';
import { parseDocument } from '../src/knowledge/parse-document.js';
import { documentId, KnowledgeService } from '../src/services/knowledge-service.js';
import type { KnowledgeBases } from '../src/services/knowledge.js';
import type { Umca } from '../src/umca.js';
import { storeBackends } from './support/store-backends.js';
import { GUIDE, writeMixedFolder } from './support/mixed-folder.js';
import { testUmca } from './support/umca.js';

/**
 * Ingest of a mixed folder on every store this machine has (PGlite, and PostgreSQL where CI
 * gives one): what goes in, spans that are the source's text, re-adding after an edit, and
 * removing a source. The scripted provider embeds (hashes of the text): the model is not what
 * is tested. The doors over the same service are in kb-doors.test.ts.
 */
for (const backend of storeBackends()) {
  describe(`knowledge ingest on ${backend.name}`, () => {
    let umca: Umca;
    let dispose: () => Promise<void>;
    let kb: KnowledgeBases;
    const cwd = mkdtempSync(join(tmpdir(), 'umca-kb-stores-'));
    const folder = writeMixedFolder(cwd);
    const documents = () => collectSources(['docs'], cwd).map(({ path, source }) => ({ source, content: readFileSync(path).toString('base64'), encoding: 'base64' as const }));

    before(async () => {
      const opened = await backend.open();
      dispose = opened.dispose;
      umca = await testUmca({}, { store: opened.store });
      kb = umca.knowledge.for(LOCAL_PRINCIPAL);
      await kb.create({ name: 'mixed', embedding_model: 'scripted:demo' });
    });
    after(async () => {
      await umca.close();
      await dispose().catch(() => undefined);
    });

    it('takes in Markdown, HTML, PDF, code and JSON, names the file that does not parse, and every span is its text in the source', async () => {
      const report = await kb.add('mixed', { documents: documents() });
      assert.deepEqual([report.added, report.failed.map((f) => f.source)], [5, ['docs/broken.json']]);
      const { documents: stored } = await kb.show('mixed');
      assert.deepEqual(stored.map((d) => d.type).sort(), ['code', 'html', 'json', 'markdown', 'pdf']);
      for (const document of stored) {
        const text = (await parseDocument(document.source, readFileSync(join(cwd, document.source)))).text;
        for (let ord = 0; ord < document.chunks; ord += 1) {
          const chunk = await kb.chunk('mixed', document.id, ord);
          assert.equal(text.slice(chunk.start, chunk.end), chunk.text, `${document.source}#${ord}`);
        }
      }
      const pdf = await kb.search('mixed', { query: 'auditors verify a run offline', k: 1, mode: 'bm25' });
      assert.deepEqual([pdf.hits[0]?.source, pdf.hits[0]?.page], ['docs/spec.pdf', 2], 'the PDF chunk knows its page');
    });

    it('reindex cuts every document again with new settings from its stored text, embedding only text it has not seen', async () => {
      const before = await kb.show('mixed');
      const finer = new KnowledgeService({
        store: umca.store.knowledge, access: umca.access, resolveModel: (ref) => umca.models.resolve(ref),
        settings: { ...umca.config.knowledge, chunk_tokens: 24, chunk_overlap: 4 },
      }).for(LOCAL_PRINCIPAL);
      const report = await finer.reindex('mixed');
      assert.equal(report.updated, before.documents.length);
      const after = await kb.show('mixed');
      const chunks = (shown: typeof after) => shown.documents.reduce((sum, d) => sum + d.chunks, 0);
      assert.ok(chunks(after) > chunks(before), `${chunks(after)} chunks after, ${chunks(before)} before`);
      assert.ok(report.embedded > 0 && report.embedded <= report.chunks);
      for (const document of after.documents) {
        const text = (await parseDocument(document.source, readFileSync(join(cwd, document.source)))).text;
        const last = await kb.chunk('mixed', document.id, document.chunks - 1);
        assert.equal(text.slice(last.start, last.end), last.text, `${document.source}: spans hold after a reindex`);
      }
      const again = await finer.reindex('mixed');
      assert.deepEqual([again.updated, again.embedded], [before.documents.length, 0], 'the same settings again: nothing new to embed');
      await kb.reindex('mixed'); // back to the default settings, for the next test
    });

    it('re-adding after an edit embeds only the changed chunk, and removing a source leaves no chunk of it', async () => {
      writeFileSync(join(folder, 'guide.md'), GUIDE.replace('metered, and a budget', 'metered per key, and a budget'));
      const again = await kb.add('mixed', { documents: documents() });
      assert.deepEqual([again.added, again.updated, again.unchanged, again.embedded], [0, 1, 4, 1]);
      await kb.removeDocument('mixed', 'docs/guide.md');
      await assert.rejects(kb.chunk('mixed', documentId('docs/guide.md'), 0), (e: { code?: string }) => e.code === 'kb_chunk_not_found');
      const hits = await kb.search('mixed', { query: 'lease worker budget metered', k: 50, mode: 'bm25' });
      assert.ok(hits.hits.length > 0 && hits.hits.every((h) => h.source !== 'docs/guide.md'), 'no chunk of the removed source');
      assert.equal((await kb.show('mixed')).base.documents, 4);
    });

    it('a base made with embedding_model none keeps no vectors: nothing is embedded, hybrid is BM25, dense is refused by name', async () => {
      const created = await kb.create({ name: 'terms-only', embedding_model: 'none' });
      assert.deepEqual([created.embedding_model, created.dimensions], ['none', 0]);
      const report = await kb.add('terms-only', { documents: documents() });
      assert.deepEqual([report.added + report.failed.length, report.embedded, report.vector_index], [documents().length, 0, 'none']);
      assert.ok(report.added > 0 && report.chunks > 0);
      const hybrid = await kb.search('terms-only', { query: 'lease worker', k: 3 });
      assert.ok(hybrid.hits.length > 0);
      assert.ok(hybrid.hits.every((h) => h.scores.bm25 && !h.scores.dense), 'ranked by BM25 alone');
      await assert.rejects(kb.search('terms-only', { query: 'lease', mode: 'dense' }), (e: { code?: string; param?: string }) => e.code === 'kb_no_vectors' && e.param === 'mode');
      const reindexed = await kb.reindex('terms-only');
      assert.deepEqual([reindexed.embedded, reindexed.vector_index], [0, 'none']);
    });
  });
}
