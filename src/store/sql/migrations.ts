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
      );
      CREATE INDEX runs_created_idx ON runs (created_at DESC, id DESC);
      CREATE INDEX runs_status_idx ON runs (status);

      -- data is canonical JSON text: stored exactly as hashed.
      CREATE TABLE events (
        run_id text NOT NULL REFERENCES runs (id),
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
      );

      CREATE TABLE checkpoints (
        run_id text NOT NULL REFERENCES runs (id),
        step text NOT NULL,
        result text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, step)
      );

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
];
