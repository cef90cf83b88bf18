import { createHash } from 'node:crypto';
import { ConflictError, InvalidRequestError, NotFoundError } from '../../core/errors.js';
import type {
  KbChunkRecord, KbDocumentRecord, KbDocumentText, KbTermSearchOptions, KbVectorSearchOptions, KnowledgeBaseRecord, KnowledgeStore, NewKbChunk, NewKbDocumentWithChunks, NewKnowledgeBase,
} from '../knowledge-store.js';
import type { SqlClient, SqlColumn, SqlQueryable } from './sql-client.js';
import { toIso } from './sql-time.js';
import type { VectorSupport } from './vector-support.js';

const UNIQUE_VIOLATION = '23505';

const BASE_SELECT = 'SELECT b.name, b.embedding_model, b.dimensions, b.created_by, b.created_at, b.documents, b.chunks, b.origin, b.revision FROM knowledge_bases b';
const DOCUMENT_COLUMNS = 'kb, id, source, type, sha256, chars, chunks, tags, updated_at';
const CHUNK_COLUMNS = 'c.kb, c.doc_id, c.ord, d.source, d.type, c.text, c.start_at, c.end_at, c.heading, c.page, c.sha256';
/**
 * The chunks a search's `scored` CTE (doc_id, ord, score) ranked, best first, with their
 * documents; `kb` is SQL for the base. Each row is looked up by its key (LATERAL … LIMIT 1,
 * which the planner cannot flatten into a join), whatever its statistics say: PGlite never
 * analyzes, and a join planned for an empty table reads every document of the base.
 */
const hitsOfScored = (kb: string) => `SELECT ${CHUNK_COLUMNS}, s.score FROM scored s
  CROSS JOIN LATERAL (SELECT * FROM kb_chunks c WHERE c.kb = ${kb} AND c.doc_id = s.doc_id AND c.ord = s.ord LIMIT 1) c
  CROSS JOIN LATERAL (SELECT source, type FROM kb_documents d WHERE d.kb = ${kb} AND d.id = s.doc_id LIMIT 1) d
  ORDER BY s.score DESC, s.doc_id, s.ord`;
const HITS_OF_SCORED = hitsOfScored('$1');
/** `AND c.doc_id IN (…)` when $N (a JSON array of ids) is not NULL. */
const docFilter = (n: number) => `AND ($${n}::text IS NULL OR c.doc_id IN (SELECT jsonb_array_elements_text($${n}::jsonb)))`;

/**
 * Knowledge bases over any PostgreSQL-dialect client. Values travel as JSON text (one
 * parameter for all of a document's chunks, one for all its postings), which both drivers
 * pass alike. BM25 is computed in SQL from the postings at query time, so a base's term
 * statistics are always those of what it holds.
 */
export class SqlKnowledgeStore implements KnowledgeStore {
  readonly #db: SqlClient;
  readonly #pgvector: boolean;
  readonly #chunkColumns: readonly SqlColumn[];

  constructor(db: SqlClient, vectors: VectorSupport) {
    this.#db = db;
    this.#pgvector = vectors.pgvector;
    this.#chunkColumns = [...CHUNK_TEXT_COLUMNS, { name: 'embedding', type: vectors.pgvector ? 'vector' : 'real[]' }];
  }

  async createKnowledgeBase(kb: NewKnowledgeBase): Promise<KnowledgeBaseRecord> {
    try {
      await this.#db.query('INSERT INTO knowledge_bases (name, embedding_model, dimensions, created_by, origin) VALUES ($1, $2, $3::integer, $4, $5)', [kb.name, kb.embedding_model, kb.dimensions, kb.created_by, kb.origin ?? null]);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new ConflictError(`knowledge base ${kb.name} already exists`, 'kb_exists');
      throw error;
    }
    return (await this.getKnowledgeBase(kb.name))!;
  }

  async getKnowledgeBase(name: string): Promise<KnowledgeBaseRecord | undefined> {
    const { rows } = await this.#db.query<BaseRow>(`${BASE_SELECT} WHERE b.name = $1`, [name]);
    return rows[0] ? toBase(rows[0]) : undefined;
  }

  async listKnowledgeBases(): Promise<KnowledgeBaseRecord[]> {
    const { rows } = await this.#db.query<BaseRow>(`${BASE_SELECT} ORDER BY b.name`);
    return rows.map(toBase);
  }

  async setKbRevision(name: string, revision: string): Promise<boolean> {
    const { rows } = await this.#db.query('UPDATE knowledge_bases SET revision = $2 WHERE name = $1 RETURNING 1', [name, revision]);
    return rows.length > 0;
  }

  async removeKnowledgeBase(name: string): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const { rows } = await tx.query('DELETE FROM knowledge_bases WHERE name = $1 RETURNING 1', [name]);
      if (this.#pgvector) await tx.query(`DROP INDEX IF EXISTS ${vectorIndexName(name)}`);
      for (const table of ['kb_postings', 'kb_terms', 'kb_chunks', 'kb_documents']) await tx.query(`DELETE FROM ${table} WHERE kb = $1`, [name]);
      return rows.length > 0;
    });
  }

  async listKbDocuments(kb: string, ids?: readonly string[]): Promise<KbDocumentRecord[]> {
    const { rows } = await this.#db.query<DocumentRow>(
      `SELECT ${DOCUMENT_COLUMNS} FROM kb_documents WHERE kb = $1 AND ($2::text IS NULL OR id IN (SELECT jsonb_array_elements_text($2::jsonb))) ORDER BY source`,
      [kb, ids ? JSON.stringify(ids) : null],
    );
    return rows.map(toDocument);
  }

  async putKbDocuments(kb: string, documents: ReadonlyArray<NewKbDocumentWithChunks>): Promise<KbDocumentRecord[]> {
    if (documents.length === 0) return [];
    const ids = documents.map((d) => d.document.id);
    if (new Set(ids).size !== ids.length) throw new InvalidRequestError('a document id appears twice in one batch', 'invalid_request', 'documents');
    const lengthOf = (chunks: readonly NewKbChunk[]) => chunks.reduce((sum, c) => sum + c.length, 0);
    return this.#db.transaction(async (tx) => {
      // The base row, locked: its counts move with these documents, and a base removed meanwhile is not written into.
      const { rows: bases } = await tx.query<{ chunks: number; total_length: number | string }>('SELECT chunks, total_length FROM knowledge_bases WHERE name = $1 FOR UPDATE', [kb]);
      if (!bases[0]) throw new NotFoundError(`no knowledge base ${kb}`, 'kb_not_found');
      const before = await deleteDocuments(tx, kb, ids);
      const { rows } = await tx.query<DocumentRow>(
        `INSERT INTO kb_documents (kb, id, source, type, sha256, chars, chunks, length, tags, parsed)
         SELECT $1, d.id, d.source, d.type, d.sha256, d.chars, d.chunks, d.length, d.tags, d.parsed
         FROM jsonb_to_recordset($2::jsonb) AS d(id text, source text, type text, sha256 text, chars integer, chunks integer, length bigint, tags text, parsed text)
         RETURNING ${DOCUMENT_COLUMNS}`,
        [kb, JSON.stringify(documents.map(({ document: d, chunks }) => ({
          id: d.id, source: d.source, type: d.type, sha256: d.sha256, chars: d.chars, chunks: chunks.length, length: lengthOf(chunks), tags: JSON.stringify(d.tags), parsed: JSON.stringify(d.parsed),
        })))],
      );
      await tx.insertRows('kb_chunks', this.#chunkColumns, documents.flatMap(({ document, chunks }) =>
        chunks.map((c) => [kb, document.id, c.ord, c.text, c.start, c.end, c.heading, c.page, c.sha256, c.length, c.embedding])));
      // A posting's weight orders its term's postings (see migration 13); the base's average length as it will stand.
      const chunkCount = documents.reduce((sum, d) => sum + d.chunks.length, 0);
      const length = documents.reduce((sum, d) => sum + lengthOf(d.chunks), 0);
      const baseChunks = Number(bases[0].chunks) - before.chunks + chunkCount;
      const avgdl = Math.max((Number(bases[0].total_length) - before.length + length) / Math.max(baseChunks, 1), 1);
      const impact = (tf: number, len: number) => (tf * (IMPACT_K1 + 1)) / (tf + IMPACT_K1 * (1 - IMPACT_B + (IMPACT_B * len) / avgdl));
      await tx.insertRows('kb_postings', POSTING_COLUMNS, documents.flatMap(({ document, chunks }) =>
        chunks.flatMap((c) => [...c.terms].map(([term, tf]) => [kb, term, document.id, c.ord, tf, c.length, impact(tf, c.length)]))));
      await addDocumentFrequencies(tx, kb, documents.flatMap((d) => d.chunks));
      await tx.query(
        'UPDATE knowledge_bases SET documents = documents + $2::integer, chunks = chunks + $3::integer, total_length = total_length + $4::bigint WHERE name = $1',
        [kb, documents.length - before.documents, chunkCount - before.chunks, length - before.length],
      );
      const byId = new Map(rows.map((row) => [row.id, toDocument(row)]));
      return ids.map((id) => byId.get(id)!);
    });
  }

  async removeKbDocument(kb: string, docId: string): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      await tx.query('SELECT 1 FROM knowledge_bases WHERE name = $1 FOR UPDATE', [kb]); // writers of one base go one at a time
      const removed = await deleteDocuments(tx, kb, [docId]);
      if (removed.documents === 0) return false;
      await tx.query('UPDATE knowledge_bases SET documents = documents - 1, chunks = chunks - $2::integer, total_length = total_length - $3::bigint WHERE name = $1', [kb, removed.chunks, removed.length]);
      return true;
    });
  }

  async getKbDocumentText(kb: string, docId: string): Promise<KbDocumentText | null | undefined> {
    const { rows } = await this.#db.query<{ parsed: string | null }>('SELECT parsed FROM kb_documents WHERE kb = $1 AND id = $2', [kb, docId]);
    if (!rows[0]) return undefined;
    return rows[0].parsed === null ? null : (JSON.parse(rows[0].parsed) as KbDocumentText);
  }

  async kbEmbeddings(kb: string, sha256s: readonly string[]): Promise<Map<string, number[]>> {
    if (sha256s.length === 0) return new Map();
    const { rows } = await this.#db.query<{ sha256: string; embedding: string | number[] }>(
      `SELECT DISTINCT ON (sha256) sha256, array_to_json(embedding::real[])::text AS embedding FROM kb_chunks
       WHERE kb = $1 AND embedding IS NOT NULL AND sha256 IN (SELECT jsonb_array_elements_text($2::jsonb))`,
      [kb, JSON.stringify(sha256s)],
    );
    return new Map(rows.map((row) => [row.sha256, typeof row.embedding === 'string' ? (JSON.parse(row.embedding) as number[]) : row.embedding]));
  }

  async getKbChunk(kb: string, docId: string, ord: number): Promise<KbChunkRecord | undefined> {
    const { rows } = await this.#db.query<ChunkRow>(
      `SELECT ${CHUNK_COLUMNS} FROM kb_chunks c JOIN kb_documents d ON d.kb = c.kb AND d.id = c.doc_id WHERE c.kb = $1 AND c.doc_id = $2 AND c.ord = $3::integer`,
      [kb, docId, ord],
    );
    return rows[0] ? toChunk(rows[0]) : undefined;
  }

  async stageKbIngest(staged: string, job: string, items: readonly string[]): Promise<void> {
    await this.#db.insertRows('kb_ingest_items', STAGED_COLUMNS, items.map((item, seq) => [staged, seq, job, item]));
  }

  async listKbIngestStaged(): Promise<Array<{ staged: string; job: string }>> {
    const { rows } = await this.#db.query<{ staged: string; job: string }>('SELECT DISTINCT staged, job FROM kb_ingest_items ORDER BY staged');
    return rows;
  }

  async stagedKbIngest(staged: string, from: number, limit: number): Promise<string[]> {
    const { rows } = await this.#db.query<{ item: string }>(
      'SELECT item FROM kb_ingest_items WHERE staged = $1 AND seq >= $2::integer AND seq < $2::integer + $3::integer ORDER BY seq',
      [staged, from, limit],
    );
    return rows.map((row) => row.item);
  }

  async dropKbIngest(staged: string): Promise<void> {
    await this.#db.query('DELETE FROM kb_ingest_items WHERE staged = $1', [staged]);
  }

  async searchKbTerms(kb: string, terms: readonly string[], options: KbTermSearchOptions): Promise<Array<KbChunkRecord & { score: number }>> {
    if (terms.length === 0) return [];
    // Okapi BM25 with Lucene's idf, ln(1 + (N - df + 0.5) / (df + 0.5)), each query term weighted
    // by how often the query says it. N and the average length are the base's (kept on its row),
    // df is kept per term (kb_terms): whatever the filter, the statistics are the whole base's.
    // Each term's postings are read best first (by their stored weight), at most `candidates`
    // of them, and the chunks found ranked by what was read; the best `rescore` of them are then
    // scored exactly, a term whose postings were cut short looked up for each (one index probe).
    // Where every query term has at most `candidates` postings, this is exact BM25; past that a
    // chunk none of whose terms' best postings include it, or ranked below the rescored ones by
    // the postings read, is not found (bench:kb-scale measures how often the top 10 changes).
    // Every lookup is by key (LATERAL … LIMIT 1): the plan does not depend on statistics PGlite never keeps.
    const bm25 = (tf: string, length: string) => `(${tf} * ($4::float8 + 1) / (${tf} + $4::float8 * (1 - $5::float8 + $5::float8 * ${length} / stats.avgdl)))`;
    const { rows } = await this.#db.query<ChunkRow & { score: number }>(
      `WITH q AS (SELECT term, count(*)::float8 AS qtf FROM jsonb_array_elements_text($2::jsonb) AS t(term) GROUP BY term),
         stats AS (SELECT chunks::float8 AS n, greatest(total_length::float8 / nullif(chunks, 0), 1) AS avgdl FROM knowledge_bases WHERE name = $1),
         d AS (
           SELECT q.term, q.qtf, t.df, ln(1 + (stats.n - t.df + 0.5) / (t.df + 0.5)) AS idf
           FROM q CROSS JOIN stats CROSS JOIN LATERAL (SELECT df FROM kb_terms WHERE kb = $1 AND term = q.term LIMIT 1) t WHERE t.df > 0
         ),
         got AS (
           SELECT d.term, c.doc_id, c.ord, d.qtf * d.idf * ${bm25('c.tf', 'c.length')} AS part FROM d CROSS JOIN stats CROSS JOIN LATERAL (
             SELECT p.doc_id, p.ord, p.tf, p.length FROM kb_postings p
             WHERE p.kb = $1 AND p.term = d.term AND ($6::text IS NULL OR p.doc_id IN (SELECT jsonb_array_elements_text($6::jsonb)))
             ORDER BY p.impact DESC LIMIT $7::integer
           ) c
         ),
         best AS (
           SELECT doc_id, ord, sum(part) AS part FROM got GROUP BY doc_id, ord
           ORDER BY part DESC, doc_id, ord LIMIT greatest($3::integer * 4, $8::integer)
         ),
         cut AS (
           SELECT best.doc_id, best.ord, d.qtf * d.idf * ${bm25('p.tf', 'p.length')} AS part
           FROM best CROSS JOIN d CROSS JOIN stats
           CROSS JOIN LATERAL (SELECT tf, length FROM kb_postings p WHERE p.kb = $1 AND p.doc_id = best.doc_id AND p.ord = best.ord AND p.term = d.term LIMIT 1) p
           WHERE d.df > $7::integer AND NOT EXISTS (SELECT 1 FROM got WHERE got.term = d.term AND got.doc_id = best.doc_id AND got.ord = best.ord)
         ),
         scored AS (
           SELECT doc_id, ord, sum(part) AS score FROM (SELECT doc_id, ord, part FROM best UNION ALL SELECT doc_id, ord, part FROM cut) x
           GROUP BY doc_id, ord
           ORDER BY score DESC, doc_id, ord
           LIMIT $3::integer
         )
       ${HITS_OF_SCORED}`,
      [kb, JSON.stringify(terms), options.k, options.k1, options.b, options.docIds ? JSON.stringify(options.docIds) : null, options.candidates ?? DEFAULT_CANDIDATES, options.rescore ?? DEFAULT_RESCORE],
    );
    return rows.map((row) => ({ ...toChunk(row), score: Number(row.score) }));
  }

  async searchKbVector(kb: string, vector: readonly number[], options: KbVectorSearchOptions): Promise<Array<KbChunkRecord & { score: number }>> {
    const docIds = options.docIds ? JSON.stringify(options.docIds) : null;
    if (!this.#pgvector) {
      const { rows } = await this.#db.query<ChunkRow & { score: number }>(
        `WITH q AS (SELECT ARRAY(SELECT e::real FROM jsonb_array_elements_text($2::jsonb) WITH ORDINALITY AS v(e, i) ORDER BY i) AS v),
           scored AS (
             SELECT c.doc_id, c.ord, (SELECT sum(x::float8 * y::float8) FROM unnest(c.embedding, q.v) AS t(x, y)) AS score
             FROM kb_chunks c CROSS JOIN q
             WHERE c.kb = $1 ${docFilter(4)}
             ORDER BY score DESC, c.doc_id, c.ord
             LIMIT $3::integer
           )
         ${HITS_OF_SCORED}`,
        [kb, JSON.stringify(vector), options.k, docIds],
      );
      return rows.map((row) => ({ ...toChunk(row), score: Number(row.score) }));
    }
    // pgvector: negative inner product (<#>) orders unit vectors by cosine. The base's name is
    // a literal in the text, so the planner can match the base's partial HNSW index (a bound
    // parameter cannot prove a partial index's predicate in a generic plan). Without an index
    // (a small base) the same statement is an exact scan. A filtered search walks the index
    // until k rows pass (iterative scan), and scans the filtered chunks exactly when it could
    // not find k that way (a very selective filter).
    const distance = `c.embedding::vector(${vector.length}) <#> $1::vector(${vector.length})`;
    // The distance is computed once a row (ORDER BY names the output column), at ~4 µs per
    // 512 dimensions in WebAssembly.
    const search = (distanceColumn: string) => `WITH nearest AS (
        SELECT c.doc_id, c.ord, ${distanceColumn} AS distance FROM kb_chunks c
        WHERE c.kb = ${quote(kb)} ${docFilter(3)}
        ORDER BY distance LIMIT $2::integer
      ), scored AS (SELECT doc_id, ord, -distance AS score FROM nearest)
      ${hitsOfScored(quote(kb))}`;
    const params = [`[${vector.join(',')}]`, options.k, docIds];
    const ef = Math.max(options.efSearch ?? DEFAULT_EF_SEARCH, options.k);
    let rows = await this.#db.transaction(async (tx) => {
      await tx.query(`SET LOCAL hnsw.ef_search = ${Math.min(Math.floor(ef), 1000)}`);
      if (docIds) await tx.query('SET LOCAL hnsw.iterative_scan = relaxed_order');
      return (await tx.query<ChunkRow & { score: number }>(search(distance), params)).rows;
    });
    if (docIds && rows.length < options.k) rows = (await this.#db.query<ChunkRow & { score: number }>(search(`(${distance}) + 0`), params)).rows;
    return rows.map((row) => ({ ...toChunk(row), score: Number(row.score) }));
  }

  async indexKbVectors(kb: string, minChunks: number, options: { rebuild?: boolean } = {}): Promise<'built' | 'ready' | 'small' | 'exact'> {
    if (!this.#pgvector) return 'exact';
    const name = vectorIndexName(kb);
    const { rows: existing } = await this.#db.query("SELECT 1 FROM pg_class WHERE relname = $1 AND relkind = 'i'", [name]);
    if (existing[0] && !options.rebuild) return 'ready';
    return this.#db.transaction(async (tx) => {
      const { rows } = await tx.query<{ chunks: number; dimensions: number }>('SELECT chunks, dimensions FROM knowledge_bases WHERE name = $1 FOR UPDATE', [kb]);
      if (!rows[0]) throw new NotFoundError(`no knowledge base ${kb}`, 'kb_not_found');
      if (options.rebuild) await tx.query(`DROP INDEX IF EXISTS ${name}`);
      if (Number(rows[0].chunks) < minChunks) return 'small';
      // HNSW builds its graph in memory when it fits (several times faster than inserting one by one).
      await tx.query("SET LOCAL maintenance_work_mem = '512MB'");
      await tx.query(
        `CREATE INDEX IF NOT EXISTS ${name} ON kb_chunks USING hnsw ((embedding::vector(${Number(rows[0].dimensions)})) vector_ip_ops) WHERE kb = ${quote(kb)}`,
      );
      // Fresh statistics, or the planner keeps the plans of an empty table (PGlite has no
      // autovacuum) and never takes the index.
      await tx.query('ANALYZE kb_chunks');
      await tx.query('ANALYZE kb_postings');
      return 'built';
    });
  }
}

/** Postings read per query term when the caller names no number (knowledge.bm25_candidates_per_term). */
const DEFAULT_CANDIDATES = 500;

/** Chunks found among the postings read that are scored exactly when the caller names no number (knowledge.bm25_rescore; at least 4 × k). */
const DEFAULT_RESCORE = 200;

/** hnsw.ef_search when the caller names none: pgvector's 40 lost recall on the 100,000-chunk bench (docs/benchmarks.md). */
const DEFAULT_EF_SEARCH = 100;

const CHUNK_TEXT_COLUMNS: readonly SqlColumn[] = [
  { name: 'kb', type: 'text' }, { name: 'doc_id', type: 'text' }, { name: 'ord', type: 'integer' }, { name: 'text', type: 'text' },
  { name: 'start_at', type: 'integer' }, { name: 'end_at', type: 'integer' }, { name: 'heading', type: 'text' }, { name: 'page', type: 'integer' },
  { name: 'sha256', type: 'text' }, { name: 'length', type: 'integer' },
];
const STAGED_COLUMNS: readonly SqlColumn[] = [{ name: 'staged', type: 'text' }, { name: 'seq', type: 'integer' }, { name: 'job', type: 'text' }, { name: 'item', type: 'text' }];
const POSTING_COLUMNS: readonly SqlColumn[] = [
  { name: 'kb', type: 'text' }, { name: 'term', type: 'text' }, { name: 'doc_id', type: 'text' }, { name: 'ord', type: 'integer' },
  { name: 'tf', type: 'integer' }, { name: 'length', type: 'integer' }, { name: 'impact', type: 'real' },
];
/** The BM25 parameters a posting's stored weight is computed with (it only orders postings; queries score with knowledge.bm25_k1 and _b). */
const IMPACT_K1 = 1.2;
const IMPACT_B = 0.75;

/**
 * Raises the base's document frequencies for the terms of these chunks (one per chunk
 * that has the term). Terms go in sorted, so two writers lock kb_terms rows in the same order.
 */
async function addDocumentFrequencies(tx: SqlQueryable, kb: string, chunks: ReadonlyArray<{ terms: ReadonlyMap<string, number> }>): Promise<void> {
  const counts = new Map<string, number>();
  for (const chunk of chunks) for (const term of chunk.terms.keys()) counts.set(term, (counts.get(term) ?? 0) + 1);
  if (counts.size === 0) return;
  const rows = [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([term, n]) => ({ term, n }));
  await tx.query(
    `INSERT INTO kb_terms (kb, term, df) SELECT $1, t.term, t.n FROM jsonb_to_recordset($2::jsonb) AS t(term text, n integer)
     ON CONFLICT (kb, term) DO UPDATE SET df = kb_terms.df + EXCLUDED.df`,
    [kb, JSON.stringify(rows)],
  );
}

/** A base's HNSW index: a name PostgreSQL accepts (≤ 63 bytes) whatever the base is called. */
function vectorIndexName(kb: string): string {
  return `kb_hnsw_${createHash('sha256').update(kb).digest('hex').slice(0, 24)}`;
}

/** A text literal (standard_conforming_strings is on in both drivers' sessions by default). */
function quote(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

interface BaseRow {
  name: string;
  embedding_model: string;
  dimensions: number;
  created_by: string;
  created_at: Date | string;
  documents: number | string;
  chunks: number | string;
  origin: string | null;
  revision: string | null;
}

interface DocumentRow {
  kb: string;
  id: string;
  source: string;
  type: string;
  sha256: string;
  chars: number;
  chunks: number;
  tags: string;
  updated_at: Date | string;
}

interface ChunkRow {
  kb: string;
  doc_id: string;
  ord: number;
  source: string;
  type: string;
  text: string;
  start_at: number;
  end_at: number;
  heading: string | null;
  page: number | null;
  sha256: string;
}

/** Deletes these documents' rows; how many there were, with their chunks and length. */
async function deleteDocuments(tx: SqlQueryable, kb: string, docIds: readonly string[]): Promise<{ documents: number; chunks: number; length: number }> {
  const ids = JSON.stringify(docIds);
  const { rows } = await tx.query<{ chunks: number; length: number | string }>(
    'DELETE FROM kb_documents WHERE kb = $1 AND id IN (SELECT jsonb_array_elements_text($2::jsonb)) RETURNING chunks, length',
    [kb, ids],
  );
  const gone = { documents: rows.length, chunks: rows.reduce((sum, r) => sum + Number(r.chunks), 0), length: rows.reduce((sum, r) => sum + Number(r.length), 0) };
  if (rows.length === 0) return gone;
  // Their postings leave, and the document frequencies of their terms fall with them.
  await tx.query(
    `WITH gone AS (DELETE FROM kb_postings WHERE kb = $1 AND doc_id IN (SELECT jsonb_array_elements_text($2::jsonb)) RETURNING term),
       counted AS (SELECT term, count(*)::integer AS n FROM gone GROUP BY term)
     UPDATE kb_terms t SET df = t.df - counted.n FROM counted WHERE t.kb = $1 AND t.term = counted.term`,
    [kb, ids],
  );
  await tx.query('DELETE FROM kb_chunks WHERE kb = $1 AND doc_id IN (SELECT jsonb_array_elements_text($2::jsonb))', [kb, ids]);
  return gone;
}

function toBase(row: BaseRow): KnowledgeBaseRecord {
  return {
    name: row.name, embedding_model: row.embedding_model, dimensions: Number(row.dimensions), created_by: row.created_by,
    created_at: toIso(row.created_at), documents: Number(row.documents), chunks: Number(row.chunks), origin: row.origin ?? null, revision: row.revision ?? null,
  };
}

function toDocument(row: DocumentRow): KbDocumentRecord {
  return {
    kb: row.kb, id: row.id, source: row.source, type: row.type, sha256: row.sha256, chars: Number(row.chars), chunks: Number(row.chunks),
    tags: JSON.parse(row.tags) as string[], updated_at: toIso(row.updated_at),
  };
}

function toChunk(row: ChunkRow): KbChunkRecord {
  return {
    kb: row.kb, doc_id: row.doc_id, ord: Number(row.ord), source: row.source, type: row.type, text: row.text,
    start: Number(row.start_at), end: Number(row.end_at), heading: row.heading, page: row.page === null ? null : Number(row.page), sha256: row.sha256,
  };
}
