import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ConflictError } from '../core/errors.js';
import { storeBackends } from '../../test/support/store-backends.js';
import type { KbDocumentRecord, KnowledgeStore, NewKbChunk, NewKbDocument } from './knowledge-store.js';

let counter = 0;
const newName = () => `kb-${Date.now()}-${++counter}`;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const unit = (v: number[]) => {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};

/** A chunk whose terms are its words (the store takes terms as given) and whose vector is `vector`. */
function chunk(ord: number, text: string, vector: number[]): NewKbChunk {
  const words = text.toLowerCase().split(/\W+/).filter(Boolean);
  const terms = new Map<string, number>();
  for (const word of words) terms.set(word, (terms.get(word) ?? 0) + 1);
  return { ord, text, start: ord * 100, end: ord * 100 + text.length, heading: `h${ord}`, page: null, sha256: sha(text), terms, length: words.length, embedding: unit(vector) };
}

/** One document in its own batch. */
async function put(store: KnowledgeStore, kb: string, document: NewKbDocument, chunks: readonly NewKbChunk[]): Promise<KbDocumentRecord> {
  return (await store.putKbDocuments(kb, [{ document, chunks }]))[0]!;
}

const doc = (id: string, source = `${id}.md`) => ({
  id, source, type: 'markdown', sha256: sha(id), chars: 100, tags: ['t'],
  parsed: { type: 'markdown', text: `# ${id}\n\ntext of ${id}`, sections: [{ start: 0, end: 12 + id.length * 2, heading: id, page: null }] },
});

for (const backend of storeBackends()) {
  describe(`KnowledgeStore contract: ${backend.name}`, () => {
    let store: KnowledgeStore;
    let dispose: () => Promise<void>;

    before(async () => {
      const opened = await backend.open();
      store = opened.store.knowledge;
      dispose = opened.dispose;
    });
    after(async () => dispose());

    it('creates a base once, lists it with its counts, and removes it with everything in it', async () => {
      const name = newName();
      const created = await store.createKnowledgeBase({ name, embedding_model: 'use-lite', dimensions: 3, created_by: 'user:local' });
      assert.deepEqual({ ...created, created_at: '' }, { name, embedding_model: 'use-lite', dimensions: 3, created_by: 'user:local', created_at: '', documents: 0, chunks: 0, origin: null, revision: null });
      await assert.rejects(store.createKnowledgeBase({ name, embedding_model: 'x', dimensions: 3, created_by: 'u' }), (e: ConflictError) => e.code === 'kb_exists');
      await put(store, name, doc('a'), [chunk(0, 'alpha beta', [1, 0, 0]), chunk(1, 'gamma', [0, 1, 0])]);
      const listed = (await store.listKnowledgeBases()).find((kb) => kb.name === name);
      assert.equal(listed?.documents, 1);
      assert.equal(listed?.chunks, 2);
      await put(store, name, doc('a'), [chunk(0, 'alpha only', [1, 0, 0])]);
      await put(store, name, doc('b'), [chunk(0, 'beta', [0, 1, 0])]);
      await store.removeKbDocument(name, 'b');
      const counted = await store.getKnowledgeBase(name);
      assert.deepEqual([counted?.documents, counted?.chunks], [1, 1], 'counts follow replacements and removals');
      await put(store, name, doc('c'), [chunk(0, 'gamma', [0, 0, 1])]);
      assert.deepEqual((await store.listKbDocuments(name, ['c', 'never'])).map((d) => d.id), ['c'], 'only the documents asked for');
      assert.deepEqual((await store.listKbDocuments(name)).map((d) => d.id), ['a', 'c']);
      assert.equal(await store.removeKnowledgeBase(name), true);
      assert.equal(await store.getKnowledgeBase(name), undefined);
      assert.equal(await store.removeKnowledgeBase(name), false);
      assert.deepEqual(await store.searchKbTerms(name, ['alpha'], { k: 5, k1: 1.2, b: 0.75 }), [], 'no chunk outlives its base');
    });

    it('replaces a document whole: no old chunk stays beside the new ones, and removing it leaves none', async () => {
      const name = newName();
      await store.createKnowledgeBase({ name, embedding_model: 'm', dimensions: 3, created_by: 'u' });
      await put(store, name, doc('a'), [chunk(0, 'old words here', [1, 0, 0]), chunk(1, 'more old words', [0, 1, 0])]);
      const replaced = await put(store, name, { ...doc('a'), sha256: sha('v2') }, [chunk(0, 'new words only', [0, 0, 1])]);
      assert.equal(replaced.chunks, 1);
      assert.equal(replaced.sha256, sha('v2'));
      assert.deepEqual(await store.searchKbTerms(name, ['old'], { k: 5, k1: 1.2, b: 0.75 }), []);
      assert.equal((await store.searchKbTerms(name, ['new'], { k: 5, k1: 1.2, b: 0.75 }))[0]?.text, 'new words only');
      assert.equal(await store.getKbChunk(name, 'a', 1), undefined);
      assert.equal((await store.getKbChunk(name, 'a', 0))?.sha256, sha('new words only'));
      assert.equal(await store.removeKbDocument(name, 'a'), true);
      assert.deepEqual(await store.listKbDocuments(name), []);
      assert.deepEqual(await store.searchKbVector(name, unit([0, 0, 1]), { k: 5 }), []);
      assert.equal(await store.removeKbDocument(name, 'a'), false);
    });

    it('ranks by BM25 as the formula gives it, over the whole base even when filtered', async () => {
      const name = newName();
      await store.createKnowledgeBase({ name, embedding_model: 'm', dimensions: 2, created_by: 'u' });
      const texts = ['lease lease run', 'lease checkpoint', 'checkpoint resume run', 'unrelated words entirely'];
      for (const [i, text] of texts.entries()) await put(store, name, doc(`d${i}`), [chunk(0, text, [1, i + 1])]);
      const hits = await store.searchKbTerms(name, ['lease', 'run'], { k: 10, k1: 1.2, b: 0.75 });
      // By hand: N = 4, avgdl = 2.75; df(lease) = 2, df(run) = 2; idf = ln(1 + 2.5/2.5) = ln 2.
      const bm25 = (tf: number, dl: number) => (Math.log(2) * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * dl) / 2.75));
      const expected = [bm25(2, 3) + bm25(1, 3), bm25(1, 2), bm25(1, 3)];
      assert.deepEqual(hits.map((h) => h.doc_id), ['d0', 'd1', 'd2']);
      for (const [i, hit] of hits.entries()) assert.ok(Math.abs(hit.score - expected[i]!) < 1e-9, `hit ${i}: ${hit.score} vs ${expected[i]}`);
      const twice = await store.searchKbTerms(name, ['lease', 'lease', 'run'], { k: 10, k1: 1.2, b: 0.75 });
      assert.ok(Math.abs(twice[0]!.score - (2 * bm25(2, 3) + bm25(1, 3))) < 1e-9, 'a term the query says twice weighs twice');
      assert.deepEqual(twice.map((h) => h.doc_id), ['d0', 'd1', 'd2']);
      const filtered = await store.searchKbTerms(name, ['lease', 'run'], { k: 10, k1: 1.2, b: 0.75, docIds: ['d2'] });
      assert.deepEqual(filtered.map((h) => [h.doc_id, h.score]), [['d2', hits[2]!.score]], 'a filter narrows the hits, not the statistics');
      assert.deepEqual(hits[0] && { source: hits[0].source, heading: hits[0].heading, start: hits[0].start, end: hits[0].end }, { source: 'd0.md', heading: 'h0', start: 0, end: texts[0]!.length });
    });

    it('keeps document frequencies through replacements and removals', async () => {
      const name = newName();
      await store.createKnowledgeBase({ name, embedding_model: 'm', dimensions: 1, created_by: 'u' });
      await put(store, name, doc('a'), [chunk(0, 'lease one', [1]), chunk(1, 'lease two', [1])]);
      await put(store, name, doc('b'), [chunk(0, 'lease three', [1])]);
      await put(store, name, doc('b'), [chunk(0, 'other three', [1])]); // b no longer says lease
      await put(store, name, doc('c'), [chunk(0, 'lease four', [1])]);
      await store.removeKbDocument(name, 'c');
      // N = 3 chunks, df(lease) = 2, every chunk 2 terms long: idf = ln(1 + 1.5/2.5).
      const [hit] = await store.searchKbTerms(name, ['lease'], { k: 1, k1: 1.2, b: 0.75 });
      assert.ok(Math.abs(hit!.score - Math.log(1 + 1.5 / 2.5)) < 1e-9, `${hit!.score}`);
    });

    it('writes a batch of documents as one: new and replaced ones together, the same counts and statistics as one at a time, and a repeated id refused with nothing written', async () => {
      const [one, batched] = [newName(), newName()];
      for (const name of [one, batched]) {
        await store.createKnowledgeBase({ name, embedding_model: 'm', dimensions: 1, created_by: 'u' });
        await put(store, name, doc('a'), [chunk(0, 'lease one', [1]), chunk(1, 'lease two', [1])]);
      }
      const next = [
        { document: { ...doc('a'), sha256: sha('a2') }, chunks: [chunk(0, 'other words', [1])] },
        { document: doc('b'), chunks: [chunk(0, 'lease three', [1]), chunk(1, 'lease lease four', [1])] },
        { document: doc('c'), chunks: [chunk(0, 'budget five', [1])] },
      ];
      for (const item of next) await put(store, one, item.document, item.chunks);
      const written = await store.putKbDocuments(batched, next);
      assert.deepEqual(written.map((d) => [d.id, d.chunks]), [['a', 1], ['b', 2], ['c', 1]], 'each document, in the order given');
      const view = async (name: string) => ({
        base: await store.getKnowledgeBase(name).then((b) => [b?.documents, b?.chunks]),
        hits: (await store.searchKbTerms(name, ['lease', 'budget'], { k: 10, k1: 1.2, b: 0.75 })).map((h) => [h.doc_id, h.ord, h.score.toFixed(9)]),
      });
      assert.deepEqual(await view(batched), await view(one));
      assert.deepEqual((await view(batched)).base, [3, 4]);

      await assert.rejects(
        store.putKbDocuments(batched, [{ document: doc('d'), chunks: [chunk(0, 'dup', [1])] }, { document: doc('d'), chunks: [chunk(0, 'dup again', [1])] }]),
        (error: { code?: string }) => error.code === 'invalid_request',
      );
      assert.deepEqual((await view(batched)).base, [3, 4], 'nothing of the refused batch was written');
    });

    it('a query term in more chunks than it reads still finds the best chunks, and any chunk a rarer term finds', async () => {
      const name = newName();
      await store.createKnowledgeBase({ name, embedding_model: 'm', dimensions: 1, created_by: 'u' });
      // 300 chunks say "worker"; the longer the chunk, the less it counts. One of the longest also says "takeover".
      const filler = (i: number) => Array.from({ length: i % 30 }, (_, j) => `w${j}`).join(' ');
      await put(store, name, doc('bulk'), Array.from({ length: 300 }, (_, i) => chunk(i, `worker ${i === 299 ? 'takeover ' : ''}${filler(i)}`, [1])));
      const exact = await store.searchKbTerms(name, ['worker'], { k: 5, k1: 1.2, b: 0.75, candidates: 1_000 });
      const cut = await store.searchKbTerms(name, ['worker'], { k: 5, k1: 1.2, b: 0.75, candidates: 20 });
      assert.deepEqual(cut.map((h) => [h.ord, h.score]), exact.map((h) => [h.ord, h.score]), 'the best postings of a term are its best chunks');
      const both = await store.searchKbTerms(name, ['worker', 'takeover'], { k: 1, k1: 1.2, b: 0.75, candidates: 20 });
      const full = await store.searchKbTerms(name, ['worker', 'takeover'], { k: 1, k1: 1.2, b: 0.75, candidates: 1_000 });
      assert.deepEqual(both.map((h) => [h.ord, h.score]), full.map((h) => [h.ord, h.score]), 'found by the rarer term, and scored for both');
      assert.equal(both[0]?.ord, 299);
    });

    it('ranks by exact cosine, and a selective filter still returns k rows', async () => {
      const name = newName();
      await store.createKnowledgeBase({ name, embedding_model: 'm', dimensions: 2, created_by: 'u' });
      const chunks = Array.from({ length: 40 }, (_, i) => chunk(i, `chunk ${i}`, [Math.cos(i / 10), Math.sin(i / 10)]));
      await put(store, name, doc('many'), chunks);
      await put(store, name, doc('few'), [chunk(0, 'far one', [-1, 0.01]), chunk(1, 'far two', [-1, 0.02]), chunk(2, 'far three', [-1, 0.03])]);
      const nearest = await store.searchKbVector(name, unit([1, 0]), { k: 3 });
      assert.deepEqual(nearest.map((h) => h.text), ['chunk 0', 'chunk 1', 'chunk 2']);
      assert.ok(Math.abs(nearest[0]!.score - 1) < 1e-6);
      const onlyFew = await store.searchKbVector(name, unit([1, 0]), { k: 3, docIds: ['few'] });
      assert.deepEqual(onlyFew.map((h) => h.text).sort(), ['far one', 'far three', 'far two'], 'k rows from the few that match, however far');
    });

    it('a filter that keeps 0.1% of the chunks still returns k rows, from both retrievers', async () => {
      const name = newName();
      await store.createKnowledgeBase({ name, embedding_model: 'm', dimensions: 2, created_by: 'u' });
      // 9,990 chunks that match the query better than any the filter keeps, and 10 that it keeps.
      await put(store, name, doc('bulk'), Array.from({ length: 9_990 }, (_, i) => chunk(i, `lease lease lease ${i}`, [1, i / 1e4])));
      await put(store, name, doc('rare'), Array.from({ length: 10 }, (_, i) => chunk(i, `lease and many other words here ${i}`, [-1, i / 10])));
      const terms = await store.searchKbTerms(name, ['lease'], { k: 10, k1: 1.2, b: 0.75, docIds: ['rare'] });
      const vectors = await store.searchKbVector(name, unit([1, 0]), { k: 10, docIds: ['rare'] });
      assert.equal(terms.length, 10);
      assert.equal(vectors.length, 10);
      assert.ok([...terms, ...vectors].every((hit) => hit.doc_id === 'rare'));
    });

    it('indexes a large base (HNSW where the store has pgvector) and still finds what the exact scan finds, filtered or not', async () => {
      const name = newName();
      await store.createKnowledgeBase({ name, embedding_model: 'm', dimensions: 16, created_by: 'u' });
      let seed = 42;
      const random = () => Array.from({ length: 16 }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5);
      for (let d = 0; d < 60; d += 1) await put(store, name, doc(`d${d}`), Array.from({ length: 10 }, (_, i) => chunk(i, `doc ${d} chunk ${i}`, random())));
      const query = unit(random());
      const exact = (await store.searchKbVector(name, query, { k: 10 })).map((h) => h.text);
      assert.ok(['small', 'exact'].includes(await store.indexKbVectors(name, 601)), 'not below its threshold');
      const built = await store.indexKbVectors(name, 600);
      assert.ok(['built', 'exact'].includes(built), built);
      assert.equal(await store.indexKbVectors(name, 600), built === 'built' ? 'ready' : 'exact', 'built once');
      const indexed = (await store.searchKbVector(name, query, { k: 10 })).map((h) => h.text);
      assert.ok(indexed.filter((text) => exact.includes(text)).length >= 9, `${indexed} against ${exact}`);
      const oneDoc = await store.searchKbVector(name, query, { k: 10, docIds: ['d7'] });
      assert.deepEqual(oneDoc.map((h) => h.ord).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'every chunk of the one document the filter keeps');
      await put(store, name, doc('late'), [chunk(0, 'added after the index', query)]);
      assert.equal((await store.searchKbVector(name, query, { k: 1 }))[0]?.text, 'added after the index', 'a chunk stored later is found');
      // A base removed takes its index with it: the same name with other dimensions indexes anew.
      await store.removeKnowledgeBase(name);
      await store.createKnowledgeBase({ name, embedding_model: 'm', dimensions: 3, created_by: 'u' });
      await put(store, name, doc('a'), [chunk(0, 'x', [1, 0, 0]), chunk(1, 'y', [0, 1, 0])]);
      assert.equal(await store.indexKbVectors(name, 1), built);
      assert.equal((await store.searchKbVector(name, unit([0, 1, 0]), { k: 1 }))[0]?.text, 'y');
    });

    it("keeps each document's parsed text, so the base can be cut again without its sources", async () => {
      const name = newName();
      await store.createKnowledgeBase({ name, embedding_model: 'm', dimensions: 1, created_by: 'u' });
      await put(store, name, doc('kept'), [chunk(0, 'text of kept', [1])]);
      assert.deepEqual(await store.getKbDocumentText(name, 'kept'), doc('kept').parsed);
      assert.equal(await store.getKbDocumentText(name, 'never'), undefined);
    });

    it('finds stored vectors by their text hash, so unchanged text is not embedded again', async () => {
      const name = newName();
      await store.createKnowledgeBase({ name, embedding_model: 'm', dimensions: 3, created_by: 'u' });
      const kept = chunk(0, 'kept text', [1, 2, 3]);
      await put(store, name, doc('a'), [kept]);
      const found = await store.kbEmbeddings(name, [kept.sha256, sha('never stored')]);
      assert.deepEqual([...found.keys()], [kept.sha256]);
      for (const [i, x] of found.get(kept.sha256)!.entries()) assert.ok(Math.abs(x - kept.embedding![i]!) < 1e-6);
    });

    it('keeps a base without vectors (BM25 alone), and an index base with its origin and the revision it was brought to', async () => {
      const name = newName();
      const created = await store.createKnowledgeBase({ name, embedding_model: 'none', dimensions: 0, created_by: 'u', origin: '/src/calc' });
      assert.deepEqual([created.origin, created.revision, created.dimensions], ['/src/calc', null, 0]);
      await put(store, name, doc('a'), [{ ...chunk(0, 'alpha beta', [1]), embedding: null }, { ...chunk(1, 'gamma alpha', [1]), embedding: null }]);
      const hits = await store.searchKbTerms(name, ['alpha'], { k: 5, k1: 1.2, b: 0.75 });
      assert.deepEqual(hits.map((h) => h.ord).sort(), [0, 1]);
      assert.equal((await store.kbEmbeddings(name, [sha('alpha beta')])).size, 0, 'no vector to reuse');
      assert.equal(await store.setKbRevision(name, 'abc123'), true);
      assert.equal((await store.getKnowledgeBase(name))?.revision, 'abc123');
      assert.equal(await store.setKbRevision(`${name}-none`, 'x'), false);
    });

    it("keeps an ingest job's staged sources in order, reads them a batch at a time, and drops them", async () => {
      const staged = `job-${newName()}`;
      const items = Array.from({ length: 25 }, (_, i) => JSON.stringify({ source: `s${i}.md`, content: `# ${i}\n\nit's \\ "quoted" 東京 ${i}` }));
      await store.stageKbIngest(staged, 'run-1', items);
      await store.stageKbIngest(`${staged}-other`, 'run-2', ['{"other":true}']);
      const listed = await store.listKbIngestStaged();
      assert.deepEqual(listed.filter((s) => s.staged.startsWith(staged)), [{ staged, job: 'run-1' }, { staged: `${staged}-other`, job: 'run-2' }]);
      assert.deepEqual(await store.stagedKbIngest(staged, 0, 10), items.slice(0, 10));
      assert.deepEqual(await store.stagedKbIngest(staged, 20, 10), items.slice(20), 'fewer past the end');
      assert.deepEqual(await store.stagedKbIngest(staged, 25, 10), []);
      await store.dropKbIngest(staged);
      assert.deepEqual(await store.stagedKbIngest(staged, 0, 100), []);
      assert.deepEqual(await store.stagedKbIngest(`${staged}-other`, 0, 100), ['{"other":true}'], 'another job keeps its own');
      await store.dropKbIngest(`${staged}-other`);
    });

    it('stores any text exactly (quotes, backslashes, SQL, unicode)', async () => {
      const name = newName();
      await store.createKnowledgeBase({ name, embedding_model: 'm', dimensions: 1, created_by: 'u' });
      const text = `it's O''Brien \\ back\\slash "quoted" $$dollar$$ ; DROP TABLE kb_chunks; -- ünïcødé 🎉`;
      await put(store, name, doc("o'brien", "notes/o'brien.md"), [chunk(0, text, [1])]);
      const stored = await store.getKbChunk(name, "o'brien", 0);
      assert.equal(stored?.text, text);
      assert.equal(stored?.source, "notes/o'brien.md");
    });
  });
}
