import type { RunStatus } from '../core/run.js';
import type { KbChunkRecord, KbDocumentRecord, KnowledgeBaseRecord } from '../store/knowledge-store.js';
import type { AddKbInput, CreateKbInput, SearchKbInput } from './knowledge-input.js';

/** What an add did: sources new, changed and unchanged; chunks embedded and reused; what failed, and why. */
export interface KbAddReport {
  kb: string;
  added: number;
  updated: number;
  unchanged: number;
  chunks: number;
  /** Chunks whose vectors were computed now; the rest reused a stored vector of the same text. */
  embedded: number;
  failed: Array<{ source: string; reason: string }>;
  /** The base's vector index after this add: 'built' now, 'ready' before, 'small' (exact search until knowledge.vector_index_min_chunks), 'exact' (a store without pgvector), 'none' (a base without vectors). */
  vector_index: 'built' | 'ready' | 'small' | 'exact' | 'none';
}

/** One retrieved chunk, citable as `citation`, with each retriever's rank and score. */
export interface KbHit extends KbChunkRecord {
  /** `kb:<kb>/<doc_id>#<ord>`: what a run's research cites. */
  citation: string;
  /** The fused score (RRF), or the single retriever's score in bm25 or dense mode. */
  score: number;
  scores: { bm25?: { rank: number; score: number }; dense?: { rank: number; score: number } };
}

export interface KbSearchResult {
  kb: string;
  query: string;
  mode: 'hybrid' | 'bm25' | 'dense';
  hits: KbHit[];
}

/**
 * An ingest job: sources added to a base in durable batches by whichever worker takes it.
 * It is a run (`id`), so its log, its events' stream and `umca resume` are a run's; its
 * status here is read from that log.
 */
export interface KbJob {
  id: string;
  kb: string;
  status: RunStatus;
  /** Sources in the job, and those whose batch is done. */
  total: number;
  done: number;
  /** The batches done so far, added up; `vector_index` as the last one left it. */
  report: KbAddReport;
  /** Why it failed or was cancelled. */
  reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface KbProgress {
  done: number;
  total: number;
  source: string;
}

/**
 * Knowledge bases, for one caller: `umca kb`, `/v1/kb` and the MCP tools go through this.
 * Reading (list, show, search, chunk) asks `read-kb`, changing asks `write-kb`, about the
 * base by name (`KnowledgeBase "*"` to list or create).
 */
export interface KnowledgeBases {
  create(input: CreateKbInput): Promise<KnowledgeBaseRecord>;
  list(): Promise<KnowledgeBaseRecord[]>;
  /** The base and its documents; 404 `kb_not_found`. */
  show(name: string): Promise<{ base: KnowledgeBaseRecord; documents: KbDocumentRecord[] }>;
  remove(name: string): Promise<void>;
  /**
   * Adds or replaces sources: each parsed, chunked, embedded (only text not already in the
   * base) and stored whole or not at all; one that cannot be read is reported, the rest go in.
   */
  add(name: string, input: AddKbInput, options?: { onProgress?: (progress: KbProgress) => void; signal?: AbortSignal }): Promise<KbAddReport>;
  /**
   * Cuts every document again from its stored text with today's settings (chunk size,
   * overlap, tokenizer) and rebuilds the vector index; only chunks whose text is new are
   * embedded. `updated` counts the documents cut again; one stored before umca kept parsed
   * text is in `failed`, to be added again.
   */
  reindex(name: string, options?: { onProgress?: (progress: KbProgress) => void; signal?: AbortSignal }): Promise<KbAddReport>;
  /**
   * The same add as a durable job: the sources are checked and kept in the store, and a
   * worker adds them in batches (each a step on the job's log), resuming after a crash at the
   * first batch not done. Answers at once, the job queued.
   */
  startIngest(name: string, input: AddKbInput): Promise<KbJob>;
  /** A job of this base, as its log tells it; 404 `kb_job_not_found`. */
  job(name: string, id: string): Promise<KbJob>;
  /** Removes a source and every chunk of it; 404 `kb_document_not_found`. */
  removeDocument(name: string, source: string): Promise<void>;
  search(name: string, input: SearchKbInput): Promise<KbSearchResult>;
  /** One chunk by its citation's parts; 404 `kb_chunk_not_found`. */
  chunk(name: string, docId: string, ord: number): Promise<KbChunkRecord>;
}
