// npm run bench:kb — the knowledge plane's retrieval quality and speed, on PGlite.
// 1. A labelled set made from the READMEs in node_modules (bench/support/readme-corpus.ts):
//    nDCG@10 and recall@10 (by document) for umca's BM25, dense (the embedded sentence
//    encoder) and hybrid search, beside a reference BM25 (wink-bm25-text-search, the same
//    chunks and terms, the same k1 and b) run in the same process. Hybrid is also shown at
//    other dense weights (the same fusion, over the same two rankings).
// 2. Ingest: chunks a second, the embedding model's time excluded (timed around its calls).
// 3. Query latency: p50 and p95 per mode, each query a fresh call through the service.
// BENCH_KB_QUERIES caps the queries (default: all).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { composeUmca } from '../src/composition.js';
import { parseConfig } from '../src/core/load-config.js';
import { LOCAL_PRINCIPAL } from '../src/core/principal.js';
import type { ModelProvider } from '../src/gateway/model-provider.js';
import { chunkDocument } from '../src/knowledge/chunk-document.js';
import { fuseRankings } from '../src/knowledge/fuse-rankings.js';
import { parseDocument } from '../src/knowledge/parse-document.js';
import { searchTerms } from '../src/knowledge/tokenize.js';
import { KnowledgeService } from '../src/services/knowledge-service.js';
import type { KbHit } from '../src/services/knowledge.js';
import { readmeCorpus } from './support/readme-corpus.js';

const require = createRequire(import.meta.url);
const winkBm25 = require('wink-bm25-text-search') as () => {
  defineConfig(config: unknown): void;
  definePrepTasks(tasks: Array<(text: string) => string[]>): void;
  addDoc(doc: { body: string }, id: string): void;
  consolidate(): void;
  search(text: string, limit: number): Array<[string, number]>;
};

const corpus = readmeCorpus(process.cwd());
const queries = corpus.queries.slice(0, Number(process.env.BENCH_KB_QUERIES ?? corpus.queries.length));
console.log(`# bench:kb — ${new Date().toISOString()}, node ${process.version}; ${corpus.documents.length} READMEs, ${queries.length} labelled queries`);

const home = mkdtempSync(join(tmpdir(), 'umca-kb-bench-'));
const umca = await composeUmca(parseConfig({ home }));
let embedMs = 0;
const timed = (provider: ModelProvider): ModelProvider =>
  Object.assign(Object.create(provider) as ModelProvider, {
    embed: async (...args: Parameters<ModelProvider['embed']>) => {
      const started = performance.now();
      try {
        return await provider.embed(...args);
      } finally {
        embedMs += performance.now() - started;
      }
    },
  });
const settings = umca.config.knowledge;
const kb = new KnowledgeService({ store: umca.store.knowledge, access: umca.access, resolveModel: (ref) => timed(umca.models.resolve(ref)), settings }).for(LOCAL_PRINCIPAL);

try {
  await kb.create({ name: 'readmes' });
  embedMs = 0;
  const ingestStarted = performance.now();
  let chunks = 0;
  for (let i = 0; i < corpus.documents.length; i += 16) {
    const report = await kb.add('readmes', { documents: corpus.documents.slice(i, i + 16) });
    chunks += report.chunks;
    if (report.failed.length) process.stderr.write(`  left out: ${report.failed.map((f) => `${f.source} (${f.reason})`).join(', ')}\n`);
    process.stderr.write(`\r  ingest: ${Math.min(i + 16, corpus.documents.length)}/${corpus.documents.length} documents`);
  }
  const ingestMs = performance.now() - ingestStarted;
  process.stderr.write('\n');
  console.log(`ingest chunks=${chunks} wall_s=${(ingestMs / 1000).toFixed(1)} embedding_s=${(embedMs / 1000).toFixed(1)} chunks_per_s_excluding_embedding=${(chunks / ((ingestMs - embedMs) / 1000)).toFixed(0)}`);

  // The reference: the same chunks, the same terms (heading and text, as umca indexes them).
  const reference = winkBm25();
  reference.defineConfig({ fldWeights: { body: 1 }, bm25Params: { k1: settings.bm25_k1, b: settings.bm25_b, k: 1 } });
  reference.definePrepTasks([searchTerms]);
  const sourceOfChunk = new Map<string, string>();
  for (const document of corpus.documents) {
    const parsed = await parseDocument(document.source, new TextEncoder().encode(document.content));
    for (const chunk of await chunkDocument(parsed, { maxTokens: settings.chunk_tokens, overlapTokens: settings.chunk_overlap })) {
      const id = `${document.source}#${chunk.ord}`;
      sourceOfChunk.set(id, document.source);
      reference.addDoc({ body: `${chunk.heading ?? ''}\n${chunk.text}` }, id);
    }
  }
  reference.consolidate();

  const modes = ['bm25', 'dense', 'hybrid'] as const;
  const rankings: Record<(typeof modes)[number] | 'reference', string[][]> = { bm25: [], dense: [], hybrid: [], reference: [] };
  const chunkRankings: { bm25: string[][]; dense: string[][] } = { bm25: [], dense: [] };
  const latency: Record<(typeof modes)[number], number[]> = { bm25: [], dense: [], hybrid: [] };
  for (const [n, q] of queries.entries()) {
    for (const mode of modes) {
      const started = performance.now();
      const { hits } = await kb.search('readmes', { query: q.query, k: 50, mode });
      latency[mode].push(performance.now() - started);
      rankings[mode].push(bySource(hits));
      if (mode !== 'hybrid') chunkRankings[mode].push(hits.map((h) => `${h.source}#${h.ord}`));
    }
    rankings.reference.push(dedupe(reference.search(q.query, 50).map(([id]) => sourceOfChunk.get(id)!)));
    if (n % 50 === 49) process.stderr.write(`\r  queries: ${n + 1}/${queries.length}`);
  }
  process.stderr.write('\n');

  const report = (name: string, ranked: string[][], subset = queries.map((_, i) => i)) => {
    const { ndcg, recall } = score(subset.map((i) => ranked[i]!), subset.map((i) => queries[i]!.relevant));
    return `${name}: ndcg@10=${ndcg.toFixed(3)} recall@10=${recall.toFixed(3)}`;
  };
  for (const kind of ['all', 'description', 'keywords'] as const) {
    const subset = queries.map((q, i) => [q, i] as const).filter(([q]) => kind === 'all' || q.kind === kind).map(([, i]) => i);
    console.log(`quality queries=${kind}(${subset.length}) ${['reference', ...modes].map((m) => report(m === 'reference' ? 'reference_bm25' : m, rankings[m as keyof typeof rankings], subset)).join(' | ')}`);
  }
  // The same fusion at other dense weights, over the rankings the service returned.
  const sweep = [0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1].map((weight) => {
    const fused = queries.map((_, i) =>
      dedupe(fuseRankings([{ name: 'bm25', weight: settings.bm25_weight, keys: chunkRankings.bm25[i]! }, { name: 'dense', weight, keys: chunkRankings.dense[i]! }]).map(({ key }) => key.slice(0, key.lastIndexOf('#')))),
    );
    return report(`dense_weight=${weight}`, fused);
  });
  console.log(`fusion_sweep bm25_weight=${settings.bm25_weight} ${sweep.join(' | ')}`);
  for (const mode of modes) {
    const sorted = [...latency[mode]].sort((a, b) => a - b);
    console.log(`latency mode=${mode} chunks=${chunks} p50_ms=${percentile(sorted, 0.5).toFixed(1)} p95_ms=${percentile(sorted, 0.95).toFixed(1)}`);
  }
} finally {
  await umca.close();
}

function bySource(hits: readonly KbHit[]): string[] {
  return dedupe(hits.map((h) => h.source));
}

function dedupe(sources: readonly string[]): string[] {
  return [...new Set(sources)];
}

/** Known-item nDCG@10 (one relevant document: 1 / log2(rank + 1)) and recall@10, averaged. */
function score(ranked: readonly string[][], relevant: readonly string[]): { ndcg: number; recall: number } {
  let ndcg = 0;
  let recall = 0;
  for (const [i, list] of ranked.entries()) {
    const rank = list.slice(0, 10).indexOf(relevant[i]!);
    if (rank >= 0) {
      ndcg += 1 / Math.log2(rank + 2);
      recall += 1;
    }
  }
  return { ndcg: ndcg / ranked.length, recall: recall / ranked.length };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}
