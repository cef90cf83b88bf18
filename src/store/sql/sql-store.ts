import { createHash, randomUUID } from 'node:crypto';
import { canonicalJson } from '../../core/canonical-json.js';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import { eventData, GENESIS_HASH, type EventDraft, type RunEvent } from '../../core/events.js';
import { hashEvent } from '../../core/hash-chain.js';
import { FINAL_STATUSES, type ArtifactRecord, type RunRecord, type RunStatus } from '../../core/run.js';
import type { Commit, ListRunsQuery, NewRun, Store } from '../store.js';
import { migrate } from './migrate.js';
import type { SqlClient, SqlQueryable } from './sql-client.js';

interface RunRow {
  id: string;
  spec: string;
  model: string;
  status: string;
  reason: string | null;
  trace_id: string;
  created_at: Date | string;
  updated_at: Date | string;
  last_seq: number;
  last_hash: string;
  lease_owner: string | null;
}

interface EventRow {
  run_id: string;
  seq: number;
  id: string;
  ts: string;
  type: string;
  actor: string;
  data: string;
  prev_hash: string;
  hash: string;
  trace_id: string;
}

const RUN_COLUMNS = 'id, spec, model, status, reason, trace_id, created_at, updated_at, last_seq, last_hash, lease_owner';

/** The Store over any PostgreSQL-dialect client. PGlite and `pg` differ only in their adapter. */
export class SqlStore implements Store {
  readonly kind: string;
  readonly #db: SqlClient;

  private constructor(kind: string, db: SqlClient) {
    this.kind = kind;
    this.#db = db;
  }

  /** Runs pending migrations, then returns a ready store. */
  static async open(kind: string, db: SqlClient): Promise<SqlStore> {
    await migrate(db);
    return new SqlStore(kind, db);
  }

  async createRun(run: NewRun): Promise<RunRecord> {
    const { rows } = await this.#db.query<RunRow>(
      `INSERT INTO runs (id, spec, model, status, trace_id, last_hash) VALUES ($1, $2, $3, 'created', $4, $5)
       ON CONFLICT (id) DO NOTHING RETURNING ${RUN_COLUMNS}`,
      [run.id, run.spec, run.model, run.trace_id, GENESIS_HASH],
    );
    const row = rows[0];
    if (!row) throw new ConflictError(`run ${run.id} already exists`);
    return toRun(row);
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const { rows } = await this.#db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [id]);
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  async listRuns(query: ListRunsQuery = {}): Promise<RunRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status) {
      params.push(query.status);
      where.push(`status = $${params.length}`);
    }
    if (query.before) {
      params.push(query.before);
      where.push(`(created_at, id) < (SELECT created_at, id FROM runs WHERE id = $${params.length})`);
    }
    params.push(Math.min(Math.max(query.limit ?? 50, 1), 500));
    const { rows } = await this.#db.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRun);
  }

  async listUnfinishedRuns(): Promise<RunRecord[]> {
    const { rows } = await this.#db.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE status NOT IN ('completed', 'failed', 'blocked', 'cancelled') ORDER BY created_at, id`,
    );
    return rows.map(toRun);
  }

  async commit(runId: string, commit: Commit): Promise<RunEvent[]> {
    return this.#db.transaction(async (tx) => {
      const head = await lockRun(tx, runId);
      const drafts = commit.events ?? [];
      if (drafts.length > 0 && FINAL_STATUSES.has(head.status as RunStatus)) {
        throw new ConflictError(`run ${runId} is ${head.status}; its log is closed`);
      }
      const events = chain(runId, head, drafts);
      if (events.length > 0) await insertEvents(tx, events);
      if (commit.checkpoint) {
        await tx.query('INSERT INTO checkpoints (run_id, step, result) VALUES ($1, $2, $3)', [
          runId,
          commit.checkpoint.step,
          JSON.stringify(commit.checkpoint.result ?? null),
        ]);
      }
      const last = events.at(-1);
      await tx.query(
        `UPDATE runs SET last_seq = $2, last_hash = $3, status = COALESCE($4, status),
           reason = CASE WHEN $5::boolean THEN $6 ELSE reason END, updated_at = now() WHERE id = $1`,
        [
          runId,
          last?.seq ?? head.last_seq,
          last?.hash ?? head.last_hash,
          commit.status ?? null,
          commit.reason !== undefined,
          commit.reason ?? null,
        ],
      );
      return events;
    });
  }

  async readEvents(runId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<RunEvent[]> {
    const limit = options.limit ?? 100_000;
    const { rows } = await this.#db.query<EventRow>(
      'SELECT * FROM events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [runId, options.afterSeq ?? 0, limit],
    );
    return rows.map(toEvent);
  }

  async loadCheckpoints(runId: string): Promise<Map<string, unknown>> {
    const { rows } = await this.#db.query<{ step: string; result: string }>(
      'SELECT step, result FROM checkpoints WHERE run_id = $1',
      [runId],
    );
    return new Map(rows.map((row) => [row.step, JSON.parse(row.result) as unknown]));
  }

  async acquireLease(runId: string, owner: string, isStale: (holder: string) => boolean): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const { rows } = await tx.query<{ lease_owner: string | null }>(
        'SELECT lease_owner FROM runs WHERE id = $1 FOR UPDATE',
        [runId],
      );
      const row = rows[0];
      if (!row) throw new NotFoundError(`run ${runId} not found`);
      const holder = row.lease_owner;
      if (holder !== null && holder !== owner && !isStale(holder)) return false;
      await tx.query('UPDATE runs SET lease_owner = $2 WHERE id = $1', [runId, owner]);
      return true;
    });
  }

  async releaseLease(runId: string, owner: string): Promise<void> {
    await this.#db.query('UPDATE runs SET lease_owner = NULL WHERE id = $1 AND lease_owner = $2', [runId, owner]);
  }

  async putArtifacts(runId: string, files: ReadonlyArray<{ path: string; content: Uint8Array }>): Promise<ArtifactRecord[]> {
    const records = files.map((file) => ({
      run_id: runId,
      path: file.path,
      sha256: createHash('sha256').update(file.content).digest('hex'),
      size: file.content.byteLength,
      content: file.content,
    }));
    await this.#db.transaction(async (tx) => {
      for (const record of records) {
        await tx.query('INSERT INTO blobs (sha256, size, content) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING', [
          record.sha256,
          record.size,
          Buffer.from(record.content),
        ]);
        await tx.query(
          `INSERT INTO artifacts (run_id, path, sha256, size) VALUES ($1, $2, $3, $4)
           ON CONFLICT (run_id, path) DO UPDATE SET sha256 = EXCLUDED.sha256, size = EXCLUDED.size`,
          [runId, record.path, record.sha256, record.size],
        );
      }
    });
    return records.map(({ content: _content, ...record }) => record);
  }

  async listArtifacts(runId: string): Promise<ArtifactRecord[]> {
    const { rows } = await this.#db.query<ArtifactRecord>(
      'SELECT run_id, path, sha256, size FROM artifacts WHERE run_id = $1 ORDER BY path',
      [runId],
    );
    return rows.map((row) => ({ ...row, size: Number(row.size) }));
  }

  async getArtifact(runId: string, path: string): Promise<{ record: ArtifactRecord; content: Uint8Array } | undefined> {
    const { rows } = await this.#db.query<ArtifactRecord & { content: Uint8Array }>(
      `SELECT a.run_id, a.path, a.sha256, a.size, b.content FROM artifacts a JOIN blobs b ON b.sha256 = a.sha256
       WHERE a.run_id = $1 AND a.path = $2`,
      [runId, path],
    );
    const row = rows[0];
    if (!row) return undefined;
    const { content, ...record } = row;
    return { record: { ...record, size: Number(record.size) }, content: new Uint8Array(content) };
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}

async function lockRun(tx: SqlQueryable, runId: string): Promise<{ status: string; last_seq: number; last_hash: string; trace_id: string }> {
  const { rows } = await tx.query<{ status: string; last_seq: number; last_hash: string; trace_id: string }>(
    'SELECT status, last_seq, last_hash, trace_id FROM runs WHERE id = $1 FOR UPDATE',
    [runId],
  );
  const head = rows[0];
  if (!head) throw new NotFoundError(`run ${runId} not found`);
  return head;
}

function chain(runId: string, head: { last_seq: number; last_hash: string; trace_id: string }, drafts: readonly EventDraft[]): RunEvent[] {
  const events: RunEvent[] = [];
  let prev = head.last_hash;
  let seq = Number(head.last_seq);
  const ts = new Date().toISOString();
  for (const item of drafts) {
    // Validate against the schema and normalise to exactly what is stored and read back.
    const data = JSON.parse(canonicalJson(eventData[item.type].parse(item.data))) as unknown;
    seq += 1;
    const unsigned = { id: randomUUID(), run_id: runId, seq, ts, type: item.type, actor: item.actor, data, prev_hash: prev, trace_id: head.trace_id };
    const event = { ...unsigned, hash: hashEvent(unsigned as RunEvent) } as RunEvent;
    events.push(event);
    prev = event.hash;
  }
  return events;
}

async function insertEvents(tx: SqlQueryable, events: readonly RunEvent[]): Promise<void> {
  const params: unknown[] = [];
  const tuples = events.map((event) => {
    const base = params.length;
    params.push(event.run_id, event.seq, event.id, event.ts, event.type, event.actor, canonicalJson(event.data), event.prev_hash, event.hash, event.trace_id);
    return `(${Array.from({ length: 10 }, (_, i) => `$${base + i + 1}`).join(', ')})`;
  });
  await tx.query(
    `INSERT INTO events (run_id, seq, id, ts, type, actor, data, prev_hash, hash, trace_id) VALUES ${tuples.join(', ')}`,
    params,
  );
}

function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    spec: row.spec,
    model: row.model,
    status: row.status as RunStatus,
    reason: row.reason,
    trace_id: row.trace_id,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
    last_seq: Number(row.last_seq),
    lease_owner: row.lease_owner,
  };
}

function toEvent(row: EventRow): RunEvent {
  return {
    id: row.id,
    run_id: row.run_id,
    seq: Number(row.seq),
    ts: row.ts,
    type: row.type,
    actor: row.actor,
    data: JSON.parse(row.data) as unknown,
    prev_hash: row.prev_hash,
    hash: row.hash,
    trace_id: row.trace_id,
  } as RunEvent;
}

function toIso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}
