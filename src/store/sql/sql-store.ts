import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { canonicalJson } from '../../core/canonical-json.js';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import { eventData, GENESIS_HASH, type EventDraft, type RunEvent } from '../../core/events.js';
import { hashEvent, sha256Hex } from '../../core/hash-chain.js';
import { ENDED_FOR_GOOD, FINAL_STATUSES, type ArtifactRecord, type LeasedRun, type RecordedPrincipal, type RunRecord, type RunStatus, type UsageRecord, type UsageTotals } from '../../core/run.js';
import type { RunOptionsInput } from '../../core/run-options.js';
import type { Store } from '../store.js';
import type { ApiKeyRecord, NewApiKey } from '../api-key-store.js';
import type { BudgetReservation } from '../usage-store.js';
import type { Commit, CommitResult, ListRunsQuery, NewRun } from '../run-store.js';
import { migrate } from './migrate.js';
import type { SqlClient, SqlQueryable } from './sql-client.js';
import { SqlApiKeyStore } from './sql-api-key-store.js';
import { SqlKnowledgeStore } from './sql-knowledge-store.js';
import { enableVectors, type VectorSupport } from './vector-support.js';
import { SqlUsageStore } from './sql-usage-store.js';
import { toIso } from './sql-time.js';

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
  lease_expires_at: Date | string | null;
  owner: string | null;
  principal: string | null;
  options?: string | null;
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

const RUN_COLUMNS = 'id, spec, model, status, reason, trace_id, created_at, updated_at, last_seq, last_hash, lease_owner, lease_expires_at, owner, principal';
const UNIQUE_VIOLATION = '23505';
/** Runs that ended for good: they never resume, so their checkpoints and live events can go. */
const sqlList = (statuses: ReadonlySet<string>) => `(${[...statuses].map((status) => `'${status}'`).join(', ')})`;
const ENDED = sqlList(ENDED_FOR_GOOD);
const FINAL = sqlList(FINAL_STATUSES);

/**
 * Takes a run's lease when it is free, already the caller's, lapsed, or held by $4 (a holder
 * the caller found dead), in one statement: the run's row when taken; otherwise a row whose
 * `holder` says who has it (the columns of the run then NULL); no row when there is no run.
 * A resume after a crash is then two executions of one prepared statement, not four statements.
 */
type LeaseRow = Omit<RunRow, 'id'> & { id: string | null; holder: string | null };
const LEASE_STATEMENT = `WITH current AS (SELECT lease_owner FROM runs WHERE id = $1),
  taken AS (
    UPDATE runs SET lease_owner = $2, lease_expires_at = now() + $3::double precision * interval '1 millisecond'
    WHERE id = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_expires_at < now() OR lease_owner = $4)
    RETURNING ${RUN_COLUMNS}, options
  )
  SELECT current.lease_owner AS holder, taken.* FROM current LEFT JOIN taken ON true`;

/** Where a run's chain ends: the next event's seq and prev_hash follow from it. */
interface Head {
  last_seq: number;
  last_hash: string;
  trace_id: string;
}

/**
 * The Store over any PostgreSQL-dialect client (PGlite and `pg` differ only in their driver):
 * the run store here, usage and budgets in sql-usage-store.ts, API keys in sql-api-key-store.ts.
 */
export class SqlStore implements Store {
  readonly kind: string;
  readonly #db: SqlClient;
  /** Heads of runs this process writes, for one-statement commits; a stale one only costs a retry. */
  readonly #heads = new Map<string, Head>();
  readonly #usage: SqlUsageStore;
  readonly #keys: SqlApiKeyStore;
  readonly knowledge: SqlKnowledgeStore;
  readonly notices: readonly string[];

  private constructor(kind: string, db: SqlClient, vectors: VectorSupport) {
    this.kind = kind;
    this.#db = db;
    this.#usage = new SqlUsageStore(db);
    this.#keys = new SqlApiKeyStore(db);
    this.knowledge = new SqlKnowledgeStore(db, vectors);
    this.notices = vectors.notice ? [vectors.notice] : [];
  }

  /** Runs pending migrations and enables pgvector where the server has it, then returns a ready store. */
  static async open(kind: string, db: SqlClient): Promise<SqlStore> {
    await migrate(db);
    return new SqlStore(kind, db, await enableVectors(db));
  }

  async createRun(run: NewRun, events: readonly EventDraft[] = []): Promise<CommitResult> {
    const chained = chain(run.id, { last_seq: 0, last_hash: GENESIS_HASH, trace_id: run.trace_id }, events);
    const params: unknown[] = [
      run.id, run.spec, run.model, run.trace_id, chained.at(-1)?.hash ?? GENESIS_HASH, chained.length, run.lease_owner ?? null, run.owner ?? null,
      run.principal ? JSON.stringify(run.principal) : null, run.options ? JSON.stringify(run.options) : null,
    ];
    const insertEvents = chained.length ? `, ev AS (${eventInsert(params, chained, 'created')})` : '';
    const { rows } = await this.#db.query<RunRow>(
      `WITH created AS (
         INSERT INTO runs (id, spec, model, status, trace_id, last_hash, last_seq, lease_owner, owner, principal, options) VALUES ($1, $2, $3, 'created', $4, $5, $6::integer, $7, $8, $9, $10)
         ON CONFLICT (id) DO NOTHING RETURNING ${RUN_COLUMNS}
       )${insertEvents} SELECT * FROM created`,
      params,
    );
    const row = rows[0];
    if (!row) throw new ConflictError(`run ${run.id} already exists`);
    return this.#settled(run.id, row, chained);
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
    if (query.text) {
      params.push(`%${query.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`spec ILIKE $${params.length}`);
    }
    if (query.owner !== undefined) {
      params.push(query.owner);
      where.push(`owner = $${params.length}`);
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
      `SELECT ${RUN_COLUMNS} FROM runs WHERE status NOT IN ${FINAL} ORDER BY created_at, id`,
    );
    return rows.map(toRun);
  }

  async commit(runId: string, commit: Commit): Promise<CommitResult> {
    const head = this.#heads.get(runId);
    if (head) {
      // Fast path: one statement, optimistic on the head this process last wrote.
      const events = chain(runId, head, commit.events ?? []);
      const { sql, params } = commitStatement(runId, head.last_seq, events, commit);
      try {
        const { rows } = await this.#db.query<RunRow>(sql, params);
        const row = rows[0];
        if (row) return this.#settled(runId, row, events);
      } catch (error) {
        // A retry of a commit already stored collides on its event ids: the slow path answers it.
        if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      }
      this.#heads.delete(runId);
    }
    // Slow path: the head is unknown or moved (another writer, a final run, no such run).
    return this.#db.transaction(async (tx) => {
      const locked = await lockRun(tx, runId);
      const stored = await alreadyStored(tx, runId, commit.events ?? []);
      if (stored) return { events: stored, run: toRun(locked) };
      if (commit.leaseOwner !== undefined && locked.lease_owner !== commit.leaseOwner) {
        throw new ConflictError(`run ${runId} is now held by ${locked.lease_owner ?? 'nobody'}, not ${commit.leaseOwner}; nothing was written`, 'lease_lost');
      }
      if (commit.reopenBlocked && locked.status !== 'blocked') throw new ConflictError(`run ${runId} is ${locked.status}, not blocked`, 'run_not_blocked');
      if (!commit.reopenBlocked && (commit.events?.length ?? 0) > 0 && FINAL_STATUSES.has(locked.status as RunStatus)) {
        throw new ConflictError(`run ${runId} is ${locked.status}; its log is closed`);
      }
      const events = chain(runId, locked, commit.events ?? []);
      const { sql, params } = commitStatement(runId, Number(locked.last_seq), events, commit);
      const { rows } = await tx.query<RunRow>(sql, params);
      return this.#settled(runId, rows[0]!, events);
    });
  }

  #settled(runId: string, row: RunRow, events: RunEvent[]): CommitResult {
    const run = toRun(row);
    if (FINAL_STATUSES.has(run.status)) this.#heads.delete(runId);
    else this.#heads.set(runId, { last_seq: run.last_seq, last_hash: row.last_hash, trace_id: row.trace_id });
    return { events, run };
  }

  async readEvents(runId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<RunEvent[]> {
    const limit = options.limit ?? 100_000;
    const after = options.afterSeq ?? 0;
    const { rows } = await this.#db.query<EventRow>('SELECT * FROM events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [runId, after, limit]);
    if (rows.length > 0) return rows.map(toEvent);
    // Nothing live: an archived run reads from its archive, unchanged.
    const archive = await this.#db.query<{ content: Uint8Array }>('SELECT content FROM event_archives WHERE run_id = $1', [runId]);
    const content = archive.rows[0]?.content;
    if (!content) return [];
    const events = gunzipSync(Buffer.from(content)).toString('utf8').split('\n').map((line) => JSON.parse(line) as RunEvent);
    return events.filter((event) => event.seq > after).slice(0, limit);
  }

  async loadCheckpoints(runId: string): Promise<Map<string, unknown>> {
    const { rows } = await this.#db.query<{ step: string; result: string }>(
      'SELECT step, result FROM checkpoints WHERE run_id = $1 ORDER BY commit_seq, commit_index',
      [runId],
    );
    return new Map(rows.map((row) => [row.step, JSON.parse(row.result) as unknown]));
  }

  async acquireLease(runId: string, owner: string, isStale: (holder: string) => boolean, options: { leaseMs?: number } = {}): Promise<LeasedRun | undefined> {
    // Without a length the lease never lapses: now() + NULL is NULL.
    const leaseMs = options.leaseMs ?? null;
    let staleHolder: string | null = null;
    // At most twice: take a free, own or lapsed lease; else, once, from a holder found dead.
    for (;;) {
      const { rows }: { rows: LeaseRow[] } = await this.#db.query<LeaseRow>(LEASE_STATEMENT, [runId, owner, leaseMs, staleHolder]);
      const row: LeaseRow | undefined = rows[0];
      if (!row) throw new NotFoundError(`run ${runId} not found`);
      if (row.id !== null) return toLeasedRun(row as RunRow);
      // Released between the statement's read and its update: free now, so try again.
      if (row.holder === null) continue;
      if (row.holder === staleHolder || !isStale(row.holder)) return undefined;
      staleHolder = row.holder;
    }
  }

  async renewLease(runId: string, owner: string, leaseMs: number): Promise<boolean> {
    const { rows } = await this.#db.query(
      `UPDATE runs SET lease_expires_at = now() + $3 * interval '1 millisecond' WHERE id = $1 AND lease_owner = $2 RETURNING 1`,
      [runId, owner, leaseMs],
    );
    return rows.length > 0;
  }

  async archiveEvents(options: { before: string; limit?: number }): Promise<string[]> {
    const { rows } = await this.#db.query<{ id: string }>(
      `SELECT r.id FROM runs r WHERE r.status IN ${ENDED} AND r.updated_at < $1::timestamptz
         AND NOT EXISTS (SELECT 1 FROM event_archives a WHERE a.run_id = r.id) ORDER BY r.updated_at LIMIT $2`,
      [options.before, options.limit ?? 1_000],
    );
    const archived: string[] = [];
    for (const { id } of rows) {
      // One run per transaction: the archive row and the deletion, or neither.
      await this.#db.transaction(async (tx) => {
        const events = await tx.query<EventRow>('SELECT * FROM events WHERE run_id = $1 ORDER BY seq', [id]);
        if (events.rows.length === 0) return;
        const lines = events.rows.map((row) => JSON.stringify(toEvent(row))).join('\n');
        await tx.query('INSERT INTO event_archives (run_id, events, content) VALUES ($1, $2::integer, $3::bytea)', [id, events.rows.length, gzipSync(lines)]);
        await tx.query('DELETE FROM events WHERE run_id = $1', [id]);
        archived.push(id);
      });
    }
    return archived;
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

  // Usage and budgets, and API keys: their own stores over the same client (one concern a file).
  recordUsage(records: readonly UsageRecord[]): Promise<void> {
    return this.#usage.recordUsage(records);
  }

  runCosts(runIds: readonly string[]): Promise<Map<string, number>> {
    return this.#usage.runCosts(runIds);
  }

  queryUsage(query: { since?: string; until?: string; groupBy: 'model' | 'day' }): Promise<UsageTotals[]> {
    return this.#usage.queryUsage(query);
  }

  reserveBudget(subject: string, reservations: readonly BudgetReservation[]): Promise<{ ok: true } | { ok: false; kind: string; windowStart: string }> {
    return this.#usage.reserveBudget(subject, reservations);
  }

  adjustBudget(subject: string, adjustments: ReadonlyArray<{ kind: string; windowStart: string; delta: number }>): Promise<void> {
    return this.#usage.adjustBudget(subject, adjustments);
  }

  createApiKey(key: NewApiKey): Promise<ApiKeyRecord> {
    return this.#keys.createApiKey(key);
  }

  getApiKey(id: string): Promise<(ApiKeyRecord & { secretSha256: string }) | undefined> {
    return this.#keys.getApiKey(id);
  }

  listApiKeys(): Promise<ApiKeyRecord[]> {
    return this.#keys.listApiKeys();
  }

  revokeApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#keys.revokeApiKey(id);
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}

async function lockRun(tx: SqlQueryable, runId: string): Promise<RunRow & Head> {
  const { rows } = await tx.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1 FOR UPDATE`, [runId]);
  const head = rows[0];
  if (!head) throw new NotFoundError(`run ${runId} not found`);
  return { ...head, last_seq: Number(head.last_seq) };
}

/**
 * A commit whose first event is already stored was stored whole (commits are atomic): a retry
 * after a reply that got lost. Returns those events, so the retry answers as the first try did.
 */
async function alreadyStored(tx: SqlQueryable, runId: string, drafts: readonly EventDraft[]): Promise<RunEvent[] | undefined> {
  const ids = drafts.map((d) => d.id).filter((id): id is string => id !== undefined);
  if (ids.length === 0) return undefined;
  const { rows } = await tx.query<EventRow>('SELECT * FROM events WHERE run_id = $1 AND id IN (SELECT json_array_elements_text($2::json)) ORDER BY seq', [runId, JSON.stringify(ids)]);
  return rows.length ? rows.map(toEvent) : undefined;
}

function chain(runId: string, head: Head, drafts: readonly EventDraft[]): RunEvent[] {
  const events: RunEvent[] = [];
  let prev = head.last_hash;
  let seq = head.last_seq;
  const ts = new Date().toISOString();
  for (const item of drafts) {
    // Validate against the schema and normalise to exactly what is stored and read back.
    const data = JSON.parse(canonicalJson(eventData[item.type].parse(item.data))) as unknown;
    seq += 1;
    const unsigned = { id: item.id ?? randomUUID(), run_id: runId, seq, ts, type: item.type, actor: item.actor, data, prev_hash: prev, trace_id: head.trace_id };
    const event = { ...unsigned, hash: hashEvent(unsigned as RunEvent) } as RunEvent;
    events.push(event);
    prev = event.hash;
  }
  return events;
}

/**
 * The whole commit as ONE statement: move the run's head (only if it is still where the
 * caller saw it, and — when appending — only if the run is not final), then insert the
 * events and checkpoints. No row back means nothing was written.
 */
function commitStatement(runId: string, expectedSeq: number, events: readonly RunEvent[], commit: Commit): { sql: string; params: unknown[] } {
  const last = events.at(-1);
  const params: unknown[] = [runId, expectedSeq];
  const sets = ['updated_at = now()'];
  if (last) {
    params.push(last.seq, last.hash);
    sets.push(`last_seq = $${params.length - 1}::integer`, `last_hash = $${params.length}`);
  }
  if (commit.status) {
    params.push(commit.status);
    sets.push(`status = $${params.length}`);
  }
  if (commit.reason !== undefined) {
    params.push(commit.reason);
    sets.push(`reason = $${params.length}`);
  }
  let leaseCase = '';
  if (commit.releaseLease !== undefined) {
    params.push(commit.releaseLease);
    leaseCase = `$${params.length}`;
    sets.push(
      `lease_owner = CASE WHEN lease_owner = ${leaseCase} THEN NULL ELSE lease_owner END`,
      `lease_expires_at = CASE WHEN lease_owner = ${leaseCase} THEN NULL ELSE lease_expires_at END`,
    );
  }
  let fence = '';
  if (commit.leaseOwner !== undefined) {
    params.push(commit.leaseOwner);
    fence = ` AND lease_owner = $${params.length}`;
  }
  const openOnly = commit.reopenBlocked ? ` AND status = 'blocked'` : events.length > 0 ? ` AND status NOT IN ${FINAL}` : '';
  const parts = [`head AS (UPDATE runs SET ${sets.join(', ')} WHERE id = $1 AND last_seq = $2::integer${openOnly}${fence} RETURNING ${RUN_COLUMNS})`];
  if (events.length) parts.push(`ev AS (${eventInsert(params, events, 'head')})`);
  const ending = commit.dropCheckpoints === true && commit.status !== undefined && ENDED_FOR_GOOD.has(commit.status);
  // A run that ended for good never resumes: its last commit deletes its checkpoints, and stores none.
  if (ending) parts.push(`dc AS (DELETE FROM checkpoints WHERE run_id = (SELECT id FROM head) RETURNING 1)`);
  for (const [i, checkpoint] of (ending ? [] : (commit.checkpoints ?? [])).entries()) {
    params.push(checkpoint.step, JSON.stringify(checkpoint.result ?? null));
    parts.push(`cp${i} AS (INSERT INTO checkpoints (run_id, step, result, commit_seq, commit_index) SELECT id, $${params.length - 1}, $${params.length}, last_seq, ${i} FROM head RETURNING 1)`);
  }
  if (commit.artifacts?.length) parts.push(...artifactInserts(params, commit.artifacts));
  return { sql: `WITH ${parts.join(', ')} SELECT * FROM head`, params };
}

/** Blobs by content (shared between runs), then the run's paths pointing at them. */
function artifactInserts(params: unknown[], files: ReadonlyArray<{ path: string; content: Uint8Array }>): string[] {
  const blobs: string[] = [];
  const paths: string[] = [];
  for (const file of files) {
    params.push(sha256Hex(file.content), file.content.byteLength, Buffer.from(file.content), file.path);
    const n = params.length;
    blobs.push(`($${n - 3}, $${n - 2}::integer, $${n - 1}::bytea)`);
    paths.push(`($${n}, $${n - 3}, $${n - 2}::integer)`);
  }
  return [
    `bl AS (INSERT INTO blobs (sha256, size, content) SELECT v.* FROM head, (VALUES ${blobs.join(', ')}) AS v (sha256, size, content) ON CONFLICT (sha256) DO NOTHING RETURNING 1)`,
    `ar AS (INSERT INTO artifacts (run_id, path, sha256, size) SELECT head.id, v.path, v.sha256, v.size FROM head, (VALUES ${paths.join(', ')}) AS v (path, sha256, size)
      ON CONFLICT (run_id, path) DO UPDATE SET sha256 = EXCLUDED.sha256, size = EXCLUDED.size RETURNING 1)`,
  ];
}

/** `INSERT INTO events … SELECT … FROM <source>`: rows are written only if `source` yielded the run. */
function eventInsert(params: unknown[], events: readonly RunEvent[], source: string): string {
  const tuples = events.map((event) => {
    params.push(event.seq, event.id, event.ts, event.type, event.actor, canonicalJson(event.data), event.prev_hash, event.hash, event.trace_id);
    const first = params.length - 8;
    return `($${first}::integer, ${Array.from({ length: 8 }, (_, i) => `$${first + i + 1}`).join(', ')})`;
  });
  return `INSERT INTO events (run_id, seq, id, ts, type, actor, data, prev_hash, hash, trace_id)
    SELECT ${source}.id, v.seq, v.id, v.ts, v.type, v.actor, v.data, v.prev_hash, v.hash, v.trace_id
    FROM ${source}, (VALUES ${tuples.join(', ')}) AS v (seq, id, ts, type, actor, data, prev_hash, hash, trace_id) RETURNING 1`;
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
    lease_expires_at: row.lease_expires_at === null || row.lease_expires_at === undefined ? null : toIso(row.lease_expires_at),
    owner: row.owner ?? null,
    principal: row.principal ? (JSON.parse(row.principal) as RecordedPrincipal) : null,
  };
}

function toLeasedRun(row: RunRow): LeasedRun {
  return { ...toRun(row), options: row.options ? (JSON.parse(row.options) as RunOptionsInput) : null };
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

