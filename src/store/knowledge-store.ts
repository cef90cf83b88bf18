/** A knowledge base: documents cut into chunks, searchable by their terms and their vectors. */
export interface KnowledgeBaseRecord {
  name: string;
  /** The embedding model its vectors come from (a gateway model reference), or `none` (no vectors: BM25 alone); fixed at creation. */
  embedding_model: string;
  /** 0 for a base without vectors. */
  dimensions: number;
  created_by: string;
  created_at: string;
  documents: number;
  chunks: number;
  /** What the base is an index of (a repository's source), or null for a base people fill. */
  origin: string | null;
  /** How far it was last brought in step with its origin (a commit), or null. */
  revision: string | null;
}

export interface NewKnowledgeBase {
  name: string;
  embedding_model: string;
  dimensions: number;
  created_by: string;
  origin?: string;
}

export interface KbDocumentRecord {
  kb: string;
  /** Stable per source within its base (see knowledge-service: a hash of the source). */
  id: string;
  /** Where it came from, as the caller named it (a path relative to where `kb add` ran, a file name, a URL). */
  source: string;
  type: string;
  /** sha256 of the source's bytes: an unchanged source is not read again. */
  sha256: string;
  chars: number;
  chunks: number;
  tags: string[];
  updated_at: string;
}

export interface NewKbDocument {
  id: string;
  source: string;
  type: string;
  sha256: string;
  chars: number;
  tags: readonly string[];
  /** Its parsed text and sections, kept so the base can be cut again without the source. */
  parsed: KbDocumentText;
}

export interface NewKbDocumentWithChunks {
  document: NewKbDocument;
  chunks: readonly NewKbChunk[];
}

/** A document's text as parsed, with its sections (UTF-16 offsets into `text`). */
export interface KbDocumentText {
  type: string;
  text: string;
  sections: Array<{ start: number; end: number; heading: string | null; page: number | null }>;
  language?: string;
}

/** A chunk's text and where it is in its document's text (UTF-16 offsets, end exclusive). */
export interface KbChunkText {
  ord: number;
  text: string;
  start: number;
  end: number;
  heading: string | null;
  page: number | null;
  sha256: string;
}

/** A chunk to store, with what search ranks it by. */
export interface NewKbChunk extends KbChunkText {
  /** Its BM25 terms and their counts. */
  terms: ReadonlyMap<string, number>;
  /** Its length for BM25 (the number of its terms). */
  length: number;
  /** Unit length (cosine is then a dot product), `dimensions` long; null in a base without vectors. */
  embedding: readonly number[] | null;
}

/** A stored chunk, with its base and document. */
export interface KbChunkRecord extends KbChunkText {
  kb: string;
  doc_id: string;
  source: string;
  type: string;
}

export interface KbSearchOptions {
  k: number;
  /** Only chunks of these documents (filters resolve to document ids first); absent: all. */
  docIds?: readonly string[];
}

export interface KbTermSearchOptions extends KbSearchOptions {
  k1: number;
  b: number;
  /** Postings read per query term, best first (default 500). */
  candidates?: number;
  /** Chunks found among them scored exactly, ranked by the postings read (at least 4 × k; default 200). */
  rescore?: number;
}

export interface KbVectorSearchOptions extends KbSearchOptions {
  /** Candidates an HNSW search keeps (hnsw.ef_search; at least k): more is slower and closer to exact. */
  efSearch?: number;
}

/** Knowledge bases in the store: PGlite and PostgreSQL alike (one contract suite). */
export interface KnowledgeStore {
  /** ConflictError `kb_exists` when the name is taken. */
  createKnowledgeBase(kb: NewKnowledgeBase): Promise<KnowledgeBaseRecord>;
  getKnowledgeBase(name: string): Promise<KnowledgeBaseRecord | undefined>;
  listKnowledgeBases(): Promise<KnowledgeBaseRecord[]>;
  /** Records how far the base was brought in step with its origin; false when there is no such base. */
  setKbRevision(name: string, revision: string): Promise<boolean>;
  /** Removes a base with all it holds; false when there was none. */
  removeKnowledgeBase(name: string): Promise<boolean>;

  /** The base's documents by source; only those with these ids when `ids` is given. */
  listKbDocuments(kb: string, ids?: readonly string[]): Promise<KbDocumentRecord[]>;
  /**
   * Stores documents, each with exactly its chunks, in one transaction: the chunks each had are
   * replaced, so search never sees half of a document, or an old chunk beside a new one. A
   * batch is written in a few statements however many documents it holds (ingest's speed);
   * each document id at most once in a batch.
   */
  putKbDocuments(kb: string, documents: ReadonlyArray<NewKbDocumentWithChunks>): Promise<KbDocumentRecord[]>;
  /** False when there was no such document. */
  removeKbDocument(kb: string, docId: string): Promise<boolean>;
  /** A document's parsed text; null when it was stored before umca kept it, undefined when there is no such document. */
  getKbDocumentText(kb: string, docId: string): Promise<KbDocumentText | null | undefined>;
  /** Vectors already stored in this base for chunk texts with these hashes (so unchanged text is not embedded again). */
  kbEmbeddings(kb: string, sha256s: readonly string[]): Promise<Map<string, number[]>>;
  getKbChunk(kb: string, docId: string, ord: number): Promise<KbChunkRecord | undefined>;

  /** Keeps the sources (each a JSON text) of the ingest job run `job`, numbered from 0 in order, under `staged`. */
  stageKbIngest(staged: string, job: string, items: readonly string[]): Promise<void>;
  /** Every staged set and the job run it is for. */
  listKbIngestStaged(): Promise<Array<{ staged: string; job: string }>>;
  /** The staged sources numbered `from` to `from + limit - 1` (fewer past the end), in order. */
  stagedKbIngest(staged: string, from: number, limit: number): Promise<string[]>;
  /** Drops what `staged` holds (nothing when it holds nothing). */
  dropKbIngest(staged: string): Promise<void>;

  /**
   * Okapi BM25 over the base's term statistics, best first: `score` is the BM25 sum. Exact
   * where no query term has more than `candidates` postings; past that, the best `rescore`
   * chunks (by the postings read) among the best `candidates` postings of some query term,
   * scored exactly.
   */
  searchKbTerms(kb: string, terms: readonly string[], options: KbTermSearchOptions): Promise<Array<KbChunkRecord & { score: number }>>;
  /**
   * Cosine similarity to `vector` (unit length), best first: exact, or through the base's
   * HNSW index once it has one (see indexKbVectors); k rows whenever k match the filter.
   */
  searchKbVector(kb: string, vector: readonly number[], options: KbVectorSearchOptions): Promise<Array<KbChunkRecord & { score: number }>>;
  /**
   * Builds the base's approximate vector index (HNSW, where the store has pgvector) once it
   * holds at least `minChunks` chunks; chunks stored later are indexed as they come.
   * 'built' now, 'ready' already there, 'small' below `minChunks`, 'exact' where the store
   * has no vector index (search scans every chunk). `rebuild` drops an index there is first
   * (after a reindex replaced every chunk, a fresh graph is smaller and as good).
   */
  indexKbVectors(kb: string, minChunks: number, options?: { rebuild?: boolean }): Promise<'built' | 'ready' | 'small' | 'exact'>;
}
