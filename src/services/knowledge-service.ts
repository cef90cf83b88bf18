import { createHash, randomUUID } from 'node:crypto';
import picomatch from 'picomatch';
import { addKbReport, emptyKbReport } from './kb-add-report.js';
import type { UmcaConfig } from '../core/config.js';
import { ForbiddenError, InvalidRequestError, NotFoundError, UmcaError } from '../core/errors.js';
import type { Principal } from '../core/principal.js';
import { validateInput } from '../core/validate-input.js';
import type { AccessGuard } from '../identity/access-guard.js';
import type { ModelProvider } from '../gateway/model-provider.js';
import { fuseRankings } from '../knowledge/fuse-rankings.js';
import { fetchUrl, UrlFetchError } from '../knowledge/fetch-url.js';
import type { DocumentReader, ReadDocument } from '../knowledge/document-reader.js';
import { DocumentParseError } from '../knowledge/parse-document.js';
import { cutDocument, inThreadReader } from '../knowledge/read-document.js';
import { searchTerms } from '../knowledge/tokenize.js';
import type { KbChunkRecord, KbDocumentRecord, KnowledgeBaseRecord, KnowledgeStore, NewKbChunk, NewKbDocument } from '../store/knowledge-store.js';
import { addKbInput, createKbInput, KB_NAME, NO_EMBEDDINGS, searchKbInput, type AddKbInput, type CreateKbInput, type KbFilter, type SearchKbInput } from './knowledge-input.js';
import type { KbAddReport, KbHit, KbJob, KbProgress, KbSearchResult, KnowledgeBases } from './knowledge.js';
import type { RunEvent } from '../core/events.js';
import type { IngestJobOptions } from '../core/run-options.js';
import { FINAL_STATUSES, type RunRecord } from '../core/run.js';

/** Ingest jobs as runs: the engine records and queues them, the store reads them back. */
export interface KbJobRunner {
  /** Records a run, not queued yet (429 `queue_full` when the queue is full). */
  create(input: { spec: string; model: string; principal: Principal; options: { ingest: IngestJobOptions } }): Promise<RunRecord>;
  /** Queues a recorded run for a worker. */
  submit(id: string): Promise<void>;
  /** Ends a recorded run as cancelled. */
  cancel(id: string, reason: string): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  readEvents(id: string, options?: { limit?: number }): Promise<RunEvent[]>;
}

export interface KnowledgeServiceDeps {
  store: KnowledgeStore;
  /** Reads sources (the product's: in worker threads, bounded per source); default: in this thread. */
  reader?: DocumentReader;
  /** Where ingest jobs run; without it `startIngest` answers 501. */
  jobs?: KbJobRunner;
  access: Pick<AccessGuard, 'authorize'>;
  /** A model reference to its provider (the gateway's registry: metered, retried). */
  resolveModel(ref: string): ModelProvider;
  settings: UmcaConfig['knowledge'];
}

const ALL = { type: 'KnowledgeBase', id: '*' } as const;
const base = (name: string) => ({ type: 'KnowledgeBase', id: name }) as const;
/** Chunks embedded per call to the model. */
const EMBED_BATCH = 64;
/** Chunks, and documents, written in one transaction during an add or a reindex. */
const WRITE_BATCH_CHUNKS = 256;
const WRITE_BATCH_DOCUMENTS = 64;

/** Sources read ahead of the batch being written (enough for a batch's worth), at most, and at most this many bytes of them. */
const READ_AHEAD_SOURCES = 64;
const READ_AHEAD_BYTES = 32 * 1024 * 1024;

/** A document cut into chunks, with their terms, waiting for its batch to be embedded and written. */
interface PreparedDocument {
  document: NewKbDocument;
  chunks: Array<Omit<NewKbChunk, 'embedding'>>;
}

/** Whether a base keeps vectors (one made with embedding_model none does not). */
const hasVectors = (kb: KnowledgeBaseRecord) => kb.dimensions > 0;

/** A source's document id within its base: stable, short, and safe in a citation. */
export const documentId = (source: string): string => createHash('sha256').update(source).digest('hex').slice(0, 16);

/** Knowledge bases, written once: `for(principal)` is the caller's view (see KnowledgeBases). */
export class KnowledgeService {
  constructor(private readonly deps: KnowledgeServiceDeps) {}

  for(principal: Principal): KnowledgeBases {
    const { store, access, settings, resolveModel, jobs } = this.deps;
    const reader = this.deps.reader ?? inThreadReader;
    const may = async (action: 'read-kb' | 'write-kb', name: string | typeof ALL) => {
      await access.authorize(principal, action, typeof name === 'string' ? base(name) : name);
    };
    const mayReach = async (url: URL) => {
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
      await access.authorize(principal, 'egress', { type: 'Host', id: `${host}:${port}`, attrs: { host, port } });
    };
    const mayUse = (model: string) => access.authorize(principal, 'use-model', { type: 'Model', id: model, attrs: { ref: model } });
    /** The base's embedding model, where it has one to call. */
    const mayEmbed = async (kb: KnowledgeBaseRecord) => {
      if (hasVectors(kb)) await mayUse(kb.embedding_model);
    };
    /** A base that indexes a repository is read by those who may use the repository. */
    const mayReadOrigin = async (kb: KnowledgeBaseRecord) => {
      if (kb.origin) await access.authorize(principal, 'use-repo', { type: 'Repository', id: kb.origin, attrs: { source: kb.origin, local: !/^https?:\/\//i.test(kb.origin) } });
    };
    const existing = async (name: string): Promise<KnowledgeBaseRecord> => {
      const found = KB_NAME.safeParse(name).success ? await store.getKnowledgeBase(name) : undefined;
      if (!found) throw new NotFoundError(`no knowledge base ${JSON.stringify(name.slice(0, 100))} (see umca kb list)`, 'kb_not_found');
      await mayReadOrigin(found);
      return found;
    };
    const embed = async (kb: KnowledgeBaseRecord, texts: string[], signal?: AbortSignal): Promise<number[][]> => {
      const provider = resolveModel(kb.embedding_model);
      const vectors: number[][] = [];
      for (let i = 0; i < texts.length; i += EMBED_BATCH) {
        const { embeddings } = await provider.embed({ input: texts.slice(i, i + EMBED_BATCH), metadata: { role: 'knowledge' } }, signal ? { signal } : {});
        for (const vector of embeddings) {
          if (vector.length !== kb.dimensions) throw new UmcaError('embedding_mismatch', `${kb.embedding_model} answered ${vector.length} dimensions; knowledge base ${kb.name} holds ${kb.dimensions}`, { status: 502 });
          vectors.push(unit(vector));
        }
      }
      return vectors;
    };
    const chunking = { maxTokens: settings.chunk_tokens, overlapTokens: settings.chunk_overlap };
    /** A document as read (parsed and cut with today's settings), ready for its batch (not yet embedded). */
    const prepared = (document: { id: string; source: string; sha256: string; tags: readonly string[] }, read: ReadDocument): PreparedDocument => ({
      document: { ...document, type: read.parsed.type, chars: read.parsed.text.length, parsed: read.parsed },
      chunks: read.chunks.map((c) => ({ ord: c.ord, text: c.text, start: c.start, end: c.end, heading: c.heading, page: c.page, sha256: c.sha256, terms: c.terms, length: c.length })),
    });
    /**
     * Stores prepared documents whole, in one transaction: text already in the base keeps its
     * vector, so only new or changed chunk text is embedded. How many texts were embedded.
     */
    const write = async (kb: KnowledgeBaseRecord, prepared: readonly PreparedDocument[], signal?: AbortSignal): Promise<number> => {
      if (!hasVectors(kb)) {
        await store.putKbDocuments(kb.name, prepared.map((p) => ({ document: p.document, chunks: p.chunks.map((c) => ({ ...c, embedding: null })) })));
        return 0;
      }
      const chunks = prepared.flatMap((p) => p.chunks);
      const known = await store.kbEmbeddings(kb.name, [...new Set(chunks.map((c) => c.sha256))]);
      const missing = [...new Set(chunks.filter((c) => !known.has(c.sha256)).map((c) => c.sha256))];
      const textOf = new Map(chunks.map((c) => [c.sha256, c.text]));
      const fresh = await embed(kb, missing.map((sha) => textOf.get(sha)!), signal);
      for (const [j, sha] of missing.entries()) known.set(sha, fresh[j]!);
      await store.putKbDocuments(kb.name, prepared.map((p) => ({ document: p.document, chunks: p.chunks.map((c) => ({ ...c, embedding: known.get(c.sha256)! })) })));
      return missing.length;
    };
    /**
     * Documents gathered into batches of at most WRITE_BATCH_CHUNKS chunks, each written in one
     * transaction (a few statements for the whole batch: ingest's speed). Progress counts the
     * documents whose outcome is final (written, skipped or failed): those before the oldest
     * one still open (read ahead, or waiting in the batch).
     */
    const batcher = (kb: KnowledgeBaseRecord, report: KbAddReport, total: number, options: { onProgress?: (progress: KbProgress) => void; signal?: AbortSignal }) => {
      let pending: PreparedDocument[] = [];
      let pendingChunks = 0;
      let pendingFirst = 0;
      return {
        /** Document `index` of the `total` is next; `oldestOpen` is the first before it not yet final (or `index`). */
        next(index: number, source: string, oldestOpen = index) {
          options.signal?.throwIfAborted();
          options.onProgress?.({ done: pending.length > 0 ? pendingFirst : oldestOpen, total, source });
        },
        async add(index: number, document: PreparedDocument) {
          if (pending.length === 0) pendingFirst = index;
          pending.push(document);
          pendingChunks += document.chunks.length;
          report.chunks += document.chunks.length;
          if (pendingChunks >= WRITE_BATCH_CHUNKS || pending.length >= WRITE_BATCH_DOCUMENTS) await this.flush();
        },
        async flush() {
          if (pending.length === 0) return;
          report.embedded += await write(kb, pending, options.signal);
          pending = [];
          pendingChunks = 0;
        },
        async end() {
          await this.flush();
          options.onProgress?.({ done: total, total, source: '' });
        },
      };
    };

    return {
      async create(input: CreateKbInput): Promise<KnowledgeBaseRecord> {
        const { name, embedding_model: model = settings.embedding_model } = validateInput(createKbInput, input);
        await may('write-kb', name);
        if (model === NO_EMBEDDINGS) return store.createKnowledgeBase({ name, embedding_model: model, dimensions: 0, created_by: principal.id });
        await mayUse(model);
        // One embedding now: the model answers, and says how many dimensions the base holds.
        const [probe] = (await resolveModel(model).embed({ input: ['knowledge base dimensions'], metadata: { role: 'knowledge' } })).embeddings;
        if (!probe?.length) throw new UmcaError('embedding_failed', `${model} answered no embedding`, { status: 502 });
        return store.createKnowledgeBase({ name, embedding_model: model, dimensions: probe.length, created_by: principal.id });
      },

      async list(): Promise<KnowledgeBaseRecord[]> {
        await may('read-kb', ALL);
        const bases = await store.listKnowledgeBases();
        // A repository's index is listed to those who may use the repository.
        const readable = await Promise.all(bases.map((kb) => mayReadOrigin(kb).then(() => true, (error: unknown) => (error instanceof ForbiddenError ? false : Promise.reject(error)))));
        return bases.filter((_, i) => readable[i]);
      },

      async show(name: string) {
        await may('read-kb', name);
        const found = await existing(name);
        return { base: found, documents: await store.listKbDocuments(found.name) };
      },

      async remove(name: string): Promise<void> {
        await may('write-kb', name);
        const kb = await existing(name);
        // Gone between the two statements (removed by another caller): the same answer as before it.
        if (!(await store.removeKnowledgeBase(kb.name))) throw new NotFoundError(`no knowledge base ${kb.name} (see umca kb list)`, 'kb_not_found');
      },

      async add(name: string, input: AddKbInput, options: { onProgress?: (progress: KbProgress) => void; signal?: AbortSignal } = {}): Promise<KbAddReport> {
        const { documents, index_vectors: indexVectors } = validateInput(addKbInput, input);
        await may('write-kb', name);
        const kb = await existing(name);
        await mayEmbed(kb);
        // Only the documents this add names: a large base is not read whole for each batch.
        const stored = new Map((await store.listKbDocuments(kb.name, documents.map((d) => documentId('url' in d ? d.url : d.source)))).map((d) => [d.id, d]));
        const report = emptyKbReport(kb.name);
        // Every URL's host is asked of policy before anything is written: a URL without an egress grant refuses the whole request.
        for (const item of documents) if ('url' in item) await mayReach(new URL(item.url));
        const batches = batcher(kb, report, documents.length, options);
        // Sources are read (in worker threads) ahead of the batch being embedded and written, a
        // bounded number of them and of their bytes; each goes into its batch in order.
        const ahead: Array<{ index: number; name: string; id: string; sha256: string; tags: string[]; updating: boolean; bytes: number; read: Promise<ReadDocument | { failed: string }> }> = [];
        let aheadBytes = 0;
        const settleOldest = async () => {
          const next = ahead.shift()!;
          aheadBytes -= next.bytes;
          const read = await next.read;
          if ('failed' in read) {
            report.failed.push({ source: next.name, reason: read.failed });
            return;
          }
          await batches.add(next.index, prepared({ id: next.id, source: next.name, sha256: next.sha256, tags: next.tags }, read));
          if (next.updating) report.updated += 1;
          else report.added += 1;
        };
        for (const [i, item] of documents.entries()) {
          const name = 'url' in item ? item.url : item.source;
          batches.next(i, name, ahead[0]?.index);
          let content: Uint8Array;
          let type = item.type;
          if ('url' in item) {
            try {
              const fetched = await fetchUrl(item.url, {
                authorize: (host, port) => mayReach(new URL(`http://${host.includes(':') ? `[${host}]` : host}:${port}`)),
                maxBytes: settings.max_document_bytes,
                timeoutMs: settings.fetch_timeout_ms,
                allowPrivate: settings.fetch_private_networks,
                ...(options.signal ? { signal: options.signal } : {}),
              });
              content = fetched.content;
              type ??= (fetched.type as typeof type) ?? undefined;
            } catch (error) {
              // Unreachable, an HTTP error, too large, or a redirect or address it may not reach: reported, the rest goes in.
              const code = (error as { code?: string }).code;
              if (!(error instanceof UrlFetchError) && code !== 'forbidden' && code !== 'egress_denied') throw error;
              report.failed.push({ source: name, reason: (error as Error).message });
              continue;
            }
          } else {
            content = item.encoding === 'base64' ? Buffer.from(item.content, 'base64') : Buffer.from(item.content, 'utf8');
          }
          if (content.byteLength > settings.max_document_bytes) {
            report.failed.push({ source: name, reason: `${content.byteLength} bytes, over knowledge.max_document_bytes (${settings.max_document_bytes})` });
            continue;
          }
          const id = documentId(name);
          const sha256 = createHash('sha256').update(content).digest('hex');
          const before = stored.get(id);
          if (before && before.sha256 === sha256 && sameTags(before.tags, item.tags)) {
            report.unchanged += 1;
            continue;
          }
          // A source that cannot be read (corrupt, not its type, too slow or large to read) is reported; the rest goes in.
          const read = reader.read({ source: name, content, type, chunking }, options.signal).catch((error: unknown) => {
            if (error instanceof DocumentParseError) return { failed: error.message };
            throw error;
          });
          read.catch(() => undefined); // awaited in order below; not unhandled meanwhile
          ahead.push({ index: i, name, id, sha256, tags: item.tags, updating: before !== undefined, bytes: content.byteLength, read });
          aheadBytes += content.byteLength;
          while (ahead.length > READ_AHEAD_SOURCES || aheadBytes > READ_AHEAD_BYTES) await settleOldest();
        }
        while (ahead.length > 0) await settleOldest();
        await batches.end();
        // Built once the base is large enough, after the chunks are in (HNSW builds in memory, several times faster than it grows).
        report.vector_index = hasVectors(kb) ? await store.indexKbVectors(kb.name, indexVectors ? settings.vector_index_min_chunks : Number.MAX_SAFE_INTEGER) : 'none';
        return report;
      },

      async reindex(name: string, options: { onProgress?: (progress: KbProgress) => void; signal?: AbortSignal } = {}): Promise<KbAddReport> {
        await may('write-kb', name);
        const kb = await existing(name);
        await mayEmbed(kb);
        const documents = await store.listKbDocuments(kb.name);
        const report = emptyKbReport(kb.name);
        const batches = batcher(kb, report, documents.length, options);
        for (const [i, document] of documents.entries()) {
          batches.next(i, document.source);
          const parsed = await store.getKbDocumentText(kb.name, document.id);
          if (parsed === undefined) continue; // removed meanwhile
          if (parsed === null) {
            report.failed.push({ source: document.source, reason: 'stored before umca kept parsed text; add the source again to cut it anew' });
            continue;
          }
          // Stored text, cut again: no source is parsed, so this stays in this thread.
          await batches.add(i, prepared(document, { parsed, chunks: await cutDocument(parsed, chunking) }));
          report.updated += 1;
        }
        await batches.end();
        // Every chunk was replaced: a graph built afresh over them beats one patched row by row.
        report.vector_index = hasVectors(kb) ? await store.indexKbVectors(kb.name, settings.vector_index_min_chunks, { rebuild: true }) : 'none';
        return report;
      },

      async startIngest(name: string, input: AddKbInput): Promise<KbJob> {
        const { documents } = validateInput(addKbInput, input);
        await may('write-kb', name);
        const kb = await existing(name);
        await mayEmbed(kb);
        for (const item of documents) if ('url' in item) await mayReach(new URL(item.url));
        if (!jobs) throw new UmcaError('not_implemented', 'ingest jobs need a process that runs jobs (umca serve or umca worker)', { status: 501 });
        // Sources staged for jobs that ended without using them up (failed, cancelled) go first.
        for (const set of await store.listKbIngestStaged()) {
          const run = await jobs.getRun(set.job);
          if (!run || FINAL_STATUSES.has(run.status)) await store.dropKbIngest(set.staged);
        }
        // The run is recorded first, its sources staged under it, and only then queued.
        const staged = randomUUID();
        const run = await jobs.create({
          spec: `Add ${documents.length} source${documents.length === 1 ? '' : 's'} to knowledge base ${kb.name}.`,
          model: kb.embedding_model,
          principal,
          options: { ingest: { kb: kb.name, staged, total: documents.length } },
        });
        try {
          await store.stageKbIngest(staged, run.id, documents.map((item) => JSON.stringify(item)));
        } catch (error) {
          await jobs.cancel(run.id, 'its sources could not be stored').catch(() => undefined);
          throw error;
        }
        await jobs.submit(run.id);
        return jobOf(run, kb.name, documents.length, []);
      },

      async job(name: string, id: string): Promise<KbJob> {
        await may('read-kb', name);
        const missing = () => new NotFoundError(`knowledge base ${name.slice(0, 100)} has no ingest job ${id.slice(0, 100)}`, 'kb_job_not_found');
        const run = jobs && /^[0-9a-f-]{36}$/.test(id) ? await jobs.getRun(id) : undefined;
        if (!run) throw missing();
        // Its first event says whether it is an ingest job of this base; only then is its log read whole.
        const [created] = await jobs!.readEvents(id, { limit: 1 });
        const ingest = created?.type === 'run.created' ? created.data.options?.ingest : undefined;
        if (ingest?.kb !== name) throw missing();
        return jobOf(run, name, ingest.total, await jobs!.readEvents(id));
      },

      async removeDocument(name: string, source: string): Promise<void> {
        await may('write-kb', name);
        const kb = await existing(name);
        if (!(await store.removeKbDocument(kb.name, documentId(source)))) {
          throw new NotFoundError(`knowledge base ${kb.name} has no source ${JSON.stringify(source.slice(0, 300))} (see umca kb show ${kb.name})`, 'kb_document_not_found');
        }
      },

      async search(name: string, input: SearchKbInput): Promise<KbSearchResult> {
        const { query, k, mode, filter } = validateInput(searchKbInput, input);
        await may('read-kb', name);
        const kb = await existing(name);
        const docIds = filter ? documentsMatching(await store.listKbDocuments(kb.name), filter) : undefined;
        if (docIds?.length === 0) return { kb: kb.name, query, mode, hits: [] };
        const depth = Math.max(k * 4, 50);
        // Hybrid asks only the retrievers the fusion weighs; a single mode asks its own.
        const useBm25 = mode === 'bm25' || (mode === 'hybrid' && settings.bm25_weight > 0);
        if (mode === 'dense' && !hasVectors(kb)) throw new InvalidRequestError(`mode: knowledge base ${kb.name} keeps no vectors (embedding_model none); search it with bm25 or hybrid`, 'kb_no_vectors', 'mode');
        const useDense = hasVectors(kb) && (mode === 'dense' || (mode === 'hybrid' && settings.dense_weight > 0));
        if (useDense) await mayUse(kb.embedding_model);
        const [bm25, dense] = await Promise.all([
          useBm25 ? store.searchKbTerms(kb.name, searchTerms(query), { k: depth, k1: settings.bm25_k1, b: settings.bm25_b, candidates: settings.bm25_candidates_per_term, rescore: settings.bm25_rescore, ...(docIds ? { docIds } : {}) }) : [],
          useDense ? embed(kb, [query]).then(([vector]) => store.searchKbVector(kb.name, vector!, { k: depth, efSearch: settings.hnsw_ef_search, ...(docIds ? { docIds } : {}) })) : [],
        ]);
        const key = (c: KbChunkRecord) => `${c.doc_id}#${c.ord}`;
        const byKey = new Map<string, KbChunkRecord>();
        const scores = new Map<string, KbHit['scores']>();
        for (const [retriever, hits] of [['bm25', bm25], ['dense', dense]] as const) {
          for (const [i, hit] of hits.entries()) {
            byKey.set(key(hit), hit);
            scores.set(key(hit), { ...scores.get(key(hit)), [retriever]: { rank: i + 1, score: hit.score } });
          }
        }
        const fused = fuseRankings([
          { name: 'bm25', weight: mode === 'hybrid' ? settings.bm25_weight : 1, keys: bm25.map(key) },
          { name: 'dense', weight: mode === 'hybrid' ? settings.dense_weight : 1, keys: dense.map(key) },
        ]);
        const hits = fused.slice(0, k).map(({ key: id, score }) => {
          const { score: _single, ...chunk } = byKey.get(id) as KbChunkRecord & { score: number };
          const single = mode === 'bm25' ? scores.get(id)?.bm25?.score : mode === 'dense' ? scores.get(id)?.dense?.score : undefined;
          return { ...chunk, citation: citationOf(chunk), score: single ?? score, scores: scores.get(id) ?? {} };
        });
        return { kb: kb.name, query, mode, hits };
      },

      async chunk(name: string, docId: string, ord: number): Promise<KbChunkRecord> {
        await may('read-kb', name);
        const kb = await existing(name);
        const found = Number.isSafeInteger(ord) && ord >= 0 && /^[0-9a-f]{16}$/.test(docId) ? await store.getKbChunk(kb.name, docId, ord) : undefined;
        if (!found) throw new NotFoundError(`knowledge base ${kb.name} has no chunk ${docId}#${ord}`, 'kb_chunk_not_found');
        return found;
      },
    };
  }
}

/** A job as its run and log tell it: the batches done (`kb.ingested`) added up. */
function jobOf(run: RunRecord, kb: string, total: number, events: readonly RunEvent[]): KbJob {
  const report = emptyKbReport(kb);
  let done = 0;
  for (const event of events) {
    if (event.type !== 'kb.ingested') continue;
    const { added, updated, unchanged, chunks, embedded, failed } = event.data;
    addKbReport(report, { kb, added, updated, unchanged, chunks, embedded, failed, vector_index: event.data.vector_index ?? report.vector_index });
    done = event.data.done;
  }
  return { id: run.id, kb, status: run.status, total, done, report, reason: run.reason ?? null, created_at: run.created_at, updated_at: run.updated_at };
}

/** `kb:<kb>/<doc>#<ord>`. */
export function citationOf(chunk: Pick<KbChunkRecord, 'kb' | 'doc_id' | 'ord'>): string {
  return `kb:${chunk.kb}/${chunk.doc_id}#${chunk.ord}`;
}

/** The ids of the documents a filter keeps (a glob on the source, types, tags, a time). */
function documentsMatching(documents: readonly KbDocumentRecord[], filter: KbFilter): string[] {
  let matches: (source: string) => boolean = () => true;
  if (filter.source !== undefined) {
    try {
      matches = picomatch(filter.source, { dot: true });
    } catch (error) {
      throw new InvalidRequestError(`filter.source: not a glob (${(error as Error).message})`, 'invalid_request', 'filter.source');
    }
  }
  const after = filter.updated_after === undefined ? undefined : Date.parse(filter.updated_after);
  return documents
    .filter((d) => matches(d.source))
    .filter((d) => !filter.type || filter.type.includes(d.type as never))
    .filter((d) => !filter.tags || filter.tags.every((tag) => d.tags.includes(tag)))
    .filter((d) => after === undefined || Date.parse(d.updated_at) > after)
    .map((d) => d.id);
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((tag, i) => tag === b[i]);
}

function unit(vector: readonly number[]): number[] {
  const norm = Math.hypot(...vector) || 1;
  return vector.map((x) => x / norm);
}
