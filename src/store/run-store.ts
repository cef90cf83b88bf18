import type { EventDraft, RunEvent } from '../core/events.js';
import type { ArtifactRecord, LeasedRun, RecordedPrincipal, RunRecord, RunStatus } from '../core/run.js';
import type { RunOptionsInput } from '../core/run-options.js';

export interface NewRun {
  id: string;
  spec: string;
  model: string;
  trace_id: string;
  /** Created already leased to this owner, for a creator that executes the run itself. */
  lease_owner?: string;
  /** The principal that started the run (its id), as policy's `Run.owner` sees it. */
  owner?: string;
  /** That principal with its roles, and what the run asked for, kept on the run so executing it reads no event. */
  principal?: RecordedPrincipal;
  options?: RunOptionsInput;
}

/** One atomic unit of durability: everything in it is stored together or not at all. */
export interface Commit {
  /** Appended in order after the run's last event; the store assigns seq, ts and hashes. */
  events?: readonly EventDraft[];
  /** Steps' results; once stored a step is never executed again for this run. */
  checkpoints?: ReadonlyArray<{ step: string; result: unknown }>;
  status?: RunStatus;
  reason?: string | null;
  /** Files stored content-addressed (sha256) as the run's artifacts; a path written again is replaced. */
  artifacts?: ReadonlyArray<{ path: string; content: Uint8Array }>;
  /** Releases the run's lease if this owner holds it (the only way a lease is released). */
  releaseLease?: string;
  /**
   * Appends to a `blocked` run (an operator's override), whose log is otherwise closed; the
   * commit MUST set a new status. Refused with `run_not_blocked` when the run is not blocked.
   */
  reopenBlocked?: boolean;
  /**
   * The run's last commit: its checkpoints (earlier ones and this commit's) are deleted, as
   * a run that ended for good never resumes. Only with a `status` of completed, failed or
   * cancelled: a blocked run keeps them (an override resumes it past the gate).
   */
  dropCheckpoints?: boolean;
  /**
   * Fencing: stored only while this owner holds the run's lease; otherwise refused with
   * `lease_lost`, so a worker that lost its lease (and does not know yet) writes nothing.
   */
  leaseOwner?: string;
}

export interface CommitResult {
  events: RunEvent[];
  /** The run as it stands after the commit. */
  run: RunRecord;
}

export interface ListRunsQuery {
  status?: RunStatus;
  /** Runs whose spec contains this text (case-insensitive). */
  text?: string;
  limit?: number;
  /** Runs created strictly before this run (keyset pagination, newest first). */
  before?: string;
  /** Only runs this principal started. */
  owner?: string;
}

/**
 * Runs: their rows, hash-chained events, step checkpoints, leases and content-addressed
 * artifacts. Every implementation runs the same migrations and the same contract suite.
 */
export interface RunStore {
  /** Human-readable backend name, e.g. `pglite` or `postgres`. */
  readonly kind: string;

  /** Creates the run with status `created` and appends `events` to it, atomically. MUST fail if the id exists. */
  createRun(run: NewRun, events?: readonly EventDraft[]): Promise<CommitResult>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** Newest first. */
  listRuns(query?: ListRunsQuery): Promise<RunRecord[]>;
  /** Runs whose status is not final, oldest first. */
  listUnfinishedRuns(): Promise<RunRecord[]>;

  /**
   * Applies a commit atomically. Events get `seq = last_seq + 1, + 2 …` with no gap,
   * `prev_hash` = the previous event's hash and `hash` per umca-events v1.
   * MUST refuse (ConflictError) to append to a run whose status is final, so a
   * finished run's log never grows. MUST stay correct when several processes append
   * to one run. Returns the stored events and the run after the commit.
   */
  commit(runId: string, commit: Commit): Promise<CommitResult>;

  /** Events with seq > afterSeq, in seq order. */
  readEvents(runId: string, options?: { afterSeq?: number; limit?: number }): Promise<RunEvent[]>;

  /**
   * All checkpoints of a run, keyed by step, in the order they were stored (a Map keeps it):
   * one query, whatever the history length.
   */
  loadCheckpoints(runId: string): Promise<Map<string, unknown>>;

  /**
   * Takes the run's lease for `owner` if it is free, already held by `owner`, held by an
   * owner that `isStale` declares dead, or lapsed (`lease_expires_at` passed). With `leaseMs`
   * the lease lapses that long from now unless renewed; without, it never lapses. Returns the
   * run if `owner` now holds it, `undefined` if a live owner does. Throws NotFoundError for an
   * unknown run.
   */
  acquireLease(runId: string, owner: string, isStale: (holder: string) => boolean, options?: { leaseMs?: number }): Promise<LeasedRun | undefined>;
  /** A holder's heartbeat: its lease now lapses `leaseMs` from now. False when `owner` no longer holds it. */
  renewLease(runId: string, owner: string, leaseMs: number): Promise<boolean>;

  /**
   * Moves the events of runs that ended for good before `before` into one compressed archive
   * row per run (at most `limit` runs); `readEvents` reads them back unchanged, so chains
   * still verify. Returns the ids archived.
   */
  archiveEvents(options: { before: string; limit?: number }): Promise<string[]>;

  listArtifacts(runId: string): Promise<ArtifactRecord[]>;
  getArtifact(runId: string, path: string): Promise<{ record: ArtifactRecord; content: Uint8Array } | undefined>;
}
