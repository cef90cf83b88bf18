import { draft } from '../core/events.js';
import type { Principal } from '../core/principal.js';
import type { Pipeline } from '../engine/pipeline.js';
import type { AddKbInput } from '../services/knowledge-input.js';
import type { KbAddReport, KnowledgeBases } from '../services/knowledge.js';

export interface IngestPipelineOptions {
  /** The knowledge plane, as the job's principal: every batch asks policy as the caller who started the job would. */
  knowledge: { for(principal: Principal): Pick<KnowledgeBases, 'add'> };
  /** An ingest job's staged sources (see KnowledgeStore.stageKbIngest). */
  staged: {
    read(staged: string, from: number, limit: number): Promise<string[]>;
    drop(staged: string): Promise<void>;
  };
  /** Sources a batch (a durable step) adds. */
  batchSources: number;
}

/**
 * An ingest job (a run whose options name `ingest`): its staged sources added to the base a
 * batch at a time, each batch a durable step (`ingest:<n>`) that records what it did as
 * `kb.ingested`. A job resumed after a crash skips the batches done; a batch cut short by the
 * crash is added again, which embeds nothing it had stored (the text is in the base), and the
 * last batch builds the vector index. The staged sources are dropped once every batch is done.
 */
export function createIngestPipeline(options: IngestPipelineOptions): Pipeline {
  return async (context) => {
    const job = context.options.ingest;
    if (!job) throw new Error('the ingest pipeline runs ingest jobs only');
    const bases = options.knowledge.for(context.principal);
    const batches = Math.ceil(job.total / options.batchSources);
    for (let n = 0; n < batches; n += 1) {
      const from = n * options.batchSources;
      await context.step<KbAddReport>(`ingest:${n}`, 'ingest', async (scope) => {
        const documents = (await options.staged.read(job.staged, from, options.batchSources)).map((item) => JSON.parse(item) as AddKbInput['documents'][number]);
        const report = await bases.add(job.kb, { documents, index_vectors: n === batches - 1 }, { signal: scope.signal });
        const { added, updated, unchanged, chunks, embedded, failed, vector_index } = report;
        scope.emit(
          draft('kb.ingested', 'engine', {
            step: scope.step, kb: job.kb, done: Math.min(job.total, from + documents.length), total: job.total,
            added, updated, unchanged, chunks, embedded, failed: failed.map((f) => ({ source: f.source.slice(0, 1_000), reason: f.reason.slice(0, 2_000) })), vector_index,
          }),
        );
        return report;
      });
    }
    await options.staged.drop(job.staged);
    return { status: 'completed', attempts: 1, files: [] };
  };
}
