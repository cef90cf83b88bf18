// npm run bench:kb-scale — the knowledge plane at 100,000 chunks × 512 dimensions on PGlite
// (BENCH_KB_CHUNKS to change it; BENCH_KB_DATABASE_URL=postgres://… for PostgreSQL).
// The text is the READMEs of node_modules (bench/support/readme-corpus.ts) cut into
// paragraphs, ten to a document; the vectors come from a synthetic embedding model whose
// vectors lie near a 32-dimensional subspace of R^512 (as sentence embeddings do: nearest
// neighbours mean something, unlike uniform noise), seeded by the text, so no model's time
// is in the figures. It reports:
// 1. Ingest through the knowledge service (sources read in worker threads, as the product
//    does): chunks a second excluding the embedding calls,
//    then the one-off HNSW build (knowledge.vector_index_min_chunks) on its own.
// 2. Dense search recall@10 against the exact scan, BM25's top 10 against reading every
//    posting, and latency p50/p95 of dense, BM25 and hybrid (dense_weight 0.5) queries
//    through the service, for 200 of the labelled queries.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeUmca } from '../src/composition.js';
import { parseConfig } from '../src/core/load-config.js';
import { LOCAL_PRINCIPAL } from '../src/core/principal.js';
import type { ModelProvider } from '../src/gateway/model-provider.js';
import { WorkerDocumentReader } from '../src/knowledge/reader/worker-reader.js';
import { KnowledgeService } from '../src/services/knowledge-service.js';
import { readmeCorpus } from './support/readme-corpus.js';

const CHUNKS = Number(process.env.BENCH_KB_CHUNKS ?? 100_000);
const DIMENSIONS = 512;
const RANK = 32;
const QUERIES = 200;
const MODEL = 'bench:low-rank-512';

const corpus = readmeCorpus(process.cwd());
const paragraphs = [...new Set(corpus.documents.flatMap((d) => d.content.split(/\n\s*\n/)).map((p) => p.trim()).filter((p) => p.length >= 80 && p.length <= 1_500))];
console.log(`# bench:kb-scale — ${new Date().toISOString()}, node ${process.version}; ${CHUNKS} chunks from ${paragraphs.length} README paragraphs, ${DIMENSIONS} dimensions (rank ${RANK} + noise)`);

/** A deterministic generator seeded by a string. */
function seeded(text: string): () => number {
  let state = createHash('sha256').update(text).digest().readUInt32LE(0) || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296 - 0.5;
  };
}
const basisRandom = seeded('basis');
const basis = Array.from({ length: RANK }, () => Array.from({ length: DIMENSIONS }, basisRandom));
function lowRankVector(text: string): number[] {
  const random = seeded(text);
  const z = Array.from({ length: RANK }, random);
  const v = new Array<number>(DIMENSIONS).fill(0);
  for (let r = 0; r < RANK; r += 1) for (let d = 0; d < DIMENSIONS; d += 1) v[d]! += z[r]! * basis[r]![d]!;
  for (let d = 0; d < DIMENSIONS; d += 1) v[d]! += random() * 0.05;
  return v;
}
let embedMs = 0;
const synthetic = {
  async embed(request: { input: string[] }) {
    const started = performance.now();
    const embeddings = request.input.map(lowRankVector);
    embedMs += performance.now() - started;
    return { embeddings, usage: { prompt_tokens: 0, total_tokens: 0 } };
  },
} as unknown as ModelProvider;

const home = mkdtempSync(join(tmpdir(), 'umca-kb-scale-'));
const databaseUrl = process.env.BENCH_KB_DATABASE_URL;
const umca = await composeUmca(parseConfig({ home, ...(databaseUrl ? { database_url: databaseUrl } : {}), knowledge: { dense_weight: 0.5 } }));
for (const notice of umca.store.notices) console.log(`# store: ${notice}`);
const settings = umca.config.knowledge;
// As the product reads sources: in worker threads, beside the batch being written.
const reader = new WorkerDocumentReader({ workers: settings.parse_workers, timeoutMs: settings.parse_timeout_ms, memoryMb: settings.parse_memory_mb });
const kb = new KnowledgeService({ store: umca.store.knowledge, reader, access: umca.access, resolveModel: (ref) => (ref === MODEL ? synthetic : umca.models.resolve(ref)), settings }).for(LOCAL_PRINCIPAL);
const name = `scale-${Date.now()}`;

try {
  await kb.create({ name, embedding_model: MODEL });
  const perDocument = 10;
  // Sources a call: as \`umca kb add\` sends them (up to 64 files), so reading overlaps writing.
  const batch = 64;
  embedMs = 0;
  let chunks = 0;
  let documents = 0;
  const started = performance.now();
  for (let first = 0; chunks < CHUNKS; first += batch) {
    documents += batch;
    const docs = Array.from({ length: batch }, (_, j) => {
      const d = first + j;
      const sections = Array.from({ length: perDocument }, (_, s) => `## Part ${s + 1} of document ${d}\n\n${paragraphs[(d * perDocument + s) * 7_919 % paragraphs.length]}`);
      return { source: `docs/${d}.md`, content: sections.join('\n\n') };
    });
    // The vector index waits for the last batch, as `umca kb add` does.
    const report = await kb.add(name, { documents: docs, index_vectors: false });
    chunks += report.chunks;
    if (first % (batch * 20) === 0) process.stderr.write(`\r  ingest: ${chunks} chunks`);
  }
  const ingestMs = performance.now() - started;
  process.stderr.write('\n');
  console.log(`ingest chunks=${chunks} documents=${documents} wall_s=${(ingestMs / 1000).toFixed(1)} embedding_s=${(embedMs / 1000).toFixed(1)} chunks_per_s_excluding_embedding=${(chunks / ((ingestMs - embedMs) / 1000)).toFixed(0)}`);

  const queries = corpus.queries.slice(0, QUERIES).map((q) => q.query);
  const exact: string[][] = [];
  const exactMs: number[] = [];
  for (const query of queries.slice(0, 50)) {
    const t = performance.now();
    exact.push((await umca.store.knowledge.searchKbVector(name, unit(lowRankVector(query)), { k: 10 })).map((h) => `${h.doc_id}#${h.ord}`));
    exactMs.push(performance.now() - t);
  }
  console.log(`exact_scan chunks=${chunks} p50_ms=${percentile(exactMs, 0.5).toFixed(1)} p95_ms=${percentile(exactMs, 0.95).toFixed(1)}`);

  const indexStarted = performance.now();
  const index = await umca.store.knowledge.indexKbVectors(name, settings.vector_index_min_chunks);
  console.log(`vector_index=${index} build_s=${((performance.now() - indexStarted) / 1000).toFixed(1)} chunks_per_s_with_build=${(chunks / ((ingestMs - embedMs + performance.now() - indexStarted) / 1000)).toFixed(0)}`);

  for (const ef of [40, settings.hnsw_ef_search]) {
    let found = 0;
    for (const [i, query] of queries.slice(0, 50).entries()) {
      const hits = await umca.store.knowledge.searchKbVector(name, unit(lowRankVector(query)), { k: 10, efSearch: ef });
      found += hits.filter((h) => exact[i]!.includes(`${h.doc_id}#${h.ord}`)).length;
    }
    console.log(`recall@10 ef_search=${ef} vs_exact=${(found / (exact.length * 10)).toFixed(3)}`);
  }
  // BM25 reads a query term's best knowledge.bm25_candidates_per_term postings: how often does that change the top 10?
  const { searchTerms } = await import('../src/knowledge/tokenize.js');
  let same = 0;
  let compared = 0;
  const fullMs: number[] = [];
  const cutMs: number[] = [];
  for (const query of queries.slice(0, 50)) {
    const ask = async (candidates: number, ms: number[]) => {
      const t = performance.now();
      const hits = await umca.store.knowledge.searchKbTerms(name, searchTerms(query), { k: 10, k1: settings.bm25_k1, b: settings.bm25_b, candidates });
      ms.push(performance.now() - t);
      return hits.map((h) => `${h.doc_id}#${h.ord}`);
    };
    const full = await ask(1_000_000, fullMs);
    const cut = await ask(settings.bm25_candidates_per_term, cutMs);
    same += cut.filter((id) => full.includes(id)).length;
    compared += full.length;
  }
  console.log(`bm25 recall@10 candidates_per_term=${settings.bm25_candidates_per_term} vs_every_posting=${(same / Math.max(compared, 1)).toFixed(3)}`);
  console.log(`bm25 store query side by side: every posting p50/p95 ${percentile(fullMs, 0.5).toFixed(1)}/${percentile(fullMs, 0.95).toFixed(1)} ms, best ${settings.bm25_candidates_per_term} a term ${percentile(cutMs, 0.5).toFixed(1)}/${percentile(cutMs, 0.95).toFixed(1)} ms`);
  for (const mode of ['dense', 'bm25', 'hybrid'] as const) {
    const ms: number[] = [];
    let embedded = 0;
    for (const query of queries) {
      embedMs = 0;
      const t = performance.now();
      await kb.search(name, { query, k: 10, mode });
      ms.push(performance.now() - t - embedMs);
      embedded += embedMs;
    }
    console.log(`latency mode=${mode} chunks=${chunks} p50_ms=${percentile(ms, 0.5).toFixed(1)} p95_ms=${percentile(ms, 0.95).toFixed(1)} (query embedding excluded: ${(embedded / queries.length).toFixed(2)} ms each)`);
  }
} finally {
  await kb.remove(name).catch(() => undefined);
  await reader.close();
  await umca.close();
}

function unit(v: number[]): number[] {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
