/**
 * The one migration set, shared by PGlite and PostgreSQL. Append only: a shipped
 * migration is never edited, a change is a new entry.
 */
export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: 'runs-events-checkpoints-artifacts',
    sql: `
      CREATE TABLE runs (
        id text PRIMARY KEY,
        spec text NOT NULL,
        model text NOT NULL,
        status text NOT NULL,
        reason text,
        trace_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        last_seq integer NOT NULL DEFAULT 0,
        last_hash text NOT NULL,
        lease_owner text
      ) WITH (fillfactor = 80);
      -- Every commit moves a run's head (last_seq, last_hash): no index covers those columns, so
      -- the update is HOT (no index writes) and fillfactor leaves it room on the page. Status,
      -- which an index does cover, changes only a few times in a run's life.
      CREATE INDEX runs_created_idx ON runs (created_at DESC, id DESC);
      CREATE INDEX runs_unfinished_idx ON runs (created_at) WHERE status IN ('created', 'running');
      CREATE INDEX runs_status_idx ON runs (status, created_at DESC) WHERE status NOT IN ('created', 'running');

      -- data is canonical JSON text: stored exactly as hashed.
      -- events and checkpoints carry no foreign key to runs: every write inserts them in the
      -- statement that moves the run's head (INSERT … SELECT FROM the updated run row), so an
      -- orphan cannot be written, and the FK trigger would double the cost of each commit.
      CREATE TABLE events (
        run_id text NOT NULL,
        seq integer NOT NULL,
        id text NOT NULL UNIQUE,
        ts text NOT NULL,
        type text NOT NULL,
        actor text NOT NULL,
        data text NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        trace_id text NOT NULL,
        PRIMARY KEY (run_id, seq)
      ) WITH (toast_tuple_target = 8160);

      CREATE TABLE checkpoints (
        run_id text NOT NULL,
        step text NOT NULL,
        result text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, step)
      ) WITH (toast_tuple_target = 8160);

      CREATE TABLE blobs (
        sha256 text PRIMARY KEY,
        size integer NOT NULL,
        content bytea NOT NULL
      );

      CREATE TABLE artifacts (
        run_id text NOT NULL REFERENCES runs (id),
        path text NOT NULL,
        sha256 text NOT NULL REFERENCES blobs (sha256),
        size integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, path)
      );
    `,
  },
  {
    id: 2,
    name: 'model-usage',
    sql: `
      CREATE TABLE usage (
        id bigserial PRIMARY KEY,
        ts timestamptz NOT NULL DEFAULT now(),
        model_ref text NOT NULL,
        provider text NOT NULL,
        upstream_model text NOT NULL,
        run_id text,
        input_tokens integer NOT NULL,
        output_tokens integer NOT NULL,
        cached boolean NOT NULL DEFAULT false,
        latency_ms double precision NOT NULL,
        ttft_ms double precision,
        cost_usd double precision NOT NULL DEFAULT 0,
        status text NOT NULL,
        error_code text
      );
      CREATE INDEX usage_ts_idx ON usage (ts);
    `,
  },
  {
    id: 3,
    name: 'budget-windows',
    sql: `
      CREATE TABLE budget_usage (
        subject text NOT NULL,
        kind text NOT NULL,
        window_start timestamptz NOT NULL,
        used double precision NOT NULL DEFAULT 0,
        PRIMARY KEY (subject, kind, window_start)
      );
    `,
  },
  {
    id: 4,
    name: 'usage-append-only-indexes',
    // The usage table is an append-only log written on the gateway's hot path: a B-tree
    // index costs ~14 µs per row in embedded PGlite (docs/benchmarks.md). Nothing looks a
    // row up by id, and time ranges are what is queried: BRIN on ts, which appends keep
    // ordered, costs almost nothing to maintain.
    sql: `
      ALTER TABLE usage DROP CONSTRAINT usage_pkey;
      DROP INDEX usage_ts_idx;
      CREATE INDEX usage_ts_brin ON usage USING brin (ts);
    `,
  },
  {
    id: 5,
    name: 'api-keys',
    // A key's secret is never stored: only its SHA-256, looked up by the key's public id.
    sql: `
      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        name text NOT NULL,
        role text NOT NULL,
        secret_sha256 text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      );
    `,
  },
  {
    id: 6,
    name: 'checkpoint-order',
    // Where in the log a checkpoint was stored (the seq its commit ended at, then its place
    // in that commit), so a resumed run lists its finished steps in the order they ran.
    sql: `
      ALTER TABLE checkpoints ADD COLUMN commit_seq integer NOT NULL DEFAULT 0;
      ALTER TABLE checkpoints ADD COLUMN commit_index integer NOT NULL DEFAULT 0;
    `,
  },
  {
    id: 7,
    name: 'leases-idempotent-events-archives',
    // Leases that lapse without a heartbeat (workers on many machines); an event id unique in
    // its run, so a retried commit is stored once; finished runs' events archived compressed.
    sql: `
      ALTER TABLE runs ADD COLUMN lease_expires_at timestamptz;
      CREATE UNIQUE INDEX events_run_id_event_id ON events (run_id, id);
      CREATE TABLE event_archives (
        run_id text PRIMARY KEY,
        events integer NOT NULL,
        content bytea NOT NULL,
        archived_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    id: 8,
    name: 'usage-by-run',
    // The console shows each run's spend. Only pipeline calls carry a run id: the gateway's
    // hot-path rows (run_id NULL) stay out of the index and pay nothing for it.
    sql: `CREATE INDEX usage_run_id ON usage (run_id) WHERE run_id IS NOT NULL;`,
  },
  {
    id: 9,
    name: 'run-owner',
    // Who started the run, beside it: runners list and read their own runs only (policy's
    // runners-read-their-own-runs), which needs the owner without reading each run's log.
    // Earlier runs get it from their run.created event where the log still holds it.
    sql: `
      ALTER TABLE runs ADD COLUMN owner text;
      UPDATE runs SET owner = (
        SELECT (e.data::json -> 'principal' ->> 'id') FROM events e WHERE e.run_id = runs.id AND e.type = 'run.created' LIMIT 1
      );
      UPDATE runs SET owner = (SELECT e.actor FROM events e WHERE e.run_id = runs.id AND e.type = 'run.created' LIMIT 1) WHERE owner IS NULL;
      CREATE INDEX runs_owner_created ON runs (owner, created_at DESC, id DESC);
    `,
  },
  {
    id: 10,
    name: 'run-intake',
    // Who started the run (with its roles) and what it asked for, on the run row: executing,
    // cancelling or reading a run no longer reads its first event back (which, for an
    // archived run, meant decompressing its whole log). Earlier runs get them from run.created.
    sql: `
      ALTER TABLE runs ADD COLUMN principal text;
      ALTER TABLE runs ADD COLUMN options text;
      UPDATE runs SET
        principal = (SELECT (e.data::json -> 'principal')::text FROM events e WHERE e.run_id = runs.id AND e.type = 'run.created' LIMIT 1),
        options = (SELECT (e.data::json -> 'options')::text FROM events e WHERE e.run_id = runs.id AND e.type = 'run.created' LIMIT 1);
    `,
  },
  {
    id: 11,
    name: 'knowledge-bases',
    // Knowledge bases: documents, their chunks (text, span, vector as real[] — the same on
    // PGlite and on a PostgreSQL without pgvector) and BM25 postings (a term's chunks, its
    // count in each and the chunk's length), from which search computes BM25 in SQL with one
    // index range scan per query term; the base row keeps its chunk count and total length.
    // No foreign keys below the base: a document's rows are deleted by the store, in the
    // transaction that replaces or removes it, and inserting 100 postings a chunk fires no
    // trigger per row.
    sql: `
      CREATE TABLE knowledge_bases (
        name text PRIMARY KEY,
        embedding_model text NOT NULL,
        dimensions integer NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        documents integer NOT NULL DEFAULT 0,
        chunks integer NOT NULL DEFAULT 0,
        total_length bigint NOT NULL DEFAULT 0
      );
      CREATE TABLE kb_documents (
        kb text NOT NULL,
        id text NOT NULL,
        source text NOT NULL,
        type text NOT NULL,
        sha256 text NOT NULL,
        chars integer NOT NULL,
        chunks integer NOT NULL,
        length bigint NOT NULL,
        tags text NOT NULL DEFAULT '[]',
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kb, id)
      );
      CREATE TABLE kb_chunks (
        kb text NOT NULL,
        doc_id text NOT NULL,
        ord integer NOT NULL,
        text text NOT NULL,
        start_at integer NOT NULL,
        end_at integer NOT NULL,
        heading text,
        page integer,
        sha256 text NOT NULL,
        length integer NOT NULL,
        embedding real[] NOT NULL,
        PRIMARY KEY (kb, doc_id, ord)
      );
      CREATE INDEX kb_chunks_text_hash ON kb_chunks (kb, sha256);
      CREATE TABLE kb_postings (
        kb text NOT NULL,
        term text NOT NULL,
        doc_id text NOT NULL,
        ord integer NOT NULL,
        tf integer NOT NULL,
        length integer NOT NULL,
        PRIMARY KEY (kb, term, doc_id, ord)
      );
      CREATE INDEX kb_postings_document ON kb_postings (kb, doc_id);
    `,
  },
  {
    id: 12,
    name: 'kb-document-text',
    // Each document keeps its parsed text and sections (JSON), so `kb reindex` cuts it again
    // with today's settings without its source. NULL for documents stored before this.
    sql: `ALTER TABLE kb_documents ADD COLUMN parsed text`,
  },
  {
    id: 13,
    name: 'kb-postings-by-impact',
    // BM25 reads each query term's postings best first: a posting keeps its term weight at
    // insert (k1 1.2, b 0.75, the base's average length then), the term index is ordered by
    // it, and a term's document frequency is kept in kb_terms instead of counted per query.
    // The chunk index (kb, doc_id, ord, term) deletes a document's postings and finds a
    // chunk's posting for a term. A query reads at most knowledge.bm25_candidates_per_term
    // postings of a term and scores the chunks found exactly (sql-knowledge-store.ts). No
    // INCLUDE columns: PGlite never vacuums, so it cannot answer from an index alone, and
    // smaller indexes keep more of a large base in its 128 MB of shared buffers.
    sql: `
      ALTER TABLE kb_postings ADD COLUMN impact real NOT NULL DEFAULT 0;
      UPDATE kb_postings p SET impact = p.tf * 2.2 / (p.tf + 1.2 * (0.25 + 0.75 * p.length / greatest(b.total_length::float8 / nullif(b.chunks, 0), 1)))
        FROM knowledge_bases b WHERE b.name = p.kb;
      CREATE TABLE kb_terms (
        kb text NOT NULL,
        term text NOT NULL,
        df integer NOT NULL,
        PRIMARY KEY (kb, term)
      );
      INSERT INTO kb_terms (kb, term, df) SELECT kb, term, count(*) FROM kb_postings GROUP BY kb, term;
      ALTER TABLE kb_postings DROP CONSTRAINT kb_postings_pkey;
      DROP INDEX kb_postings_document;
      CREATE INDEX kb_postings_impact ON kb_postings (kb, term, impact DESC);
      CREATE INDEX kb_postings_chunk ON kb_postings (kb, doc_id, ord, term);
    `,
  },
  {
    id: 14,
    name: 'kb-ingest-items',
    // The sources of an ingest job (the run \`job\`, whose options name \`ingest\`), each as the
    // add input it was given (JSON), waiting for the job's batches; dropped when the job is done
    // with them, or once its run has ended some other way (failed, cancelled).
    sql: `
      CREATE TABLE kb_ingest_items (
        staged text NOT NULL,
        seq integer NOT NULL,
        job text NOT NULL,
        item text NOT NULL,
        PRIMARY KEY (staged, seq)
      );
    `,
  },
  {
    id: 15,
    name: 'kb-without-vectors-and-origins',
    // A base made with embedding_model \`none\` keeps no vectors (BM25 alone): its chunks' embedding
    // is NULL. A base may be the index of something else (a repository's source, \`origin\`),
    // kept in step with it up to \`revision\` (the commit it was last brought to).
    sql: `
      ALTER TABLE kb_chunks ALTER COLUMN embedding DROP NOT NULL;
      ALTER TABLE knowledge_bases ADD COLUMN origin text;
      ALTER TABLE knowledge_bases ADD COLUMN revision text;
    `,
  },
];
