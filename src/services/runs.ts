import type { RunEvent } from '../core/events.js';
import type { ChainVerdict } from '../core/hash-chain.js';
import type { ArtifactRecord, RunRecord } from '../core/run.js';
import type { ListRunsInput, StartRunInput } from './run-input.js';

/** A run as callers see it: the record, how long it took or has been going, and what it cost. */
export interface RunView extends RunRecord {
  duration_ms: number;
  cost_usd: number;
}

/** A page of runs, newest first; `next` is the `before` of the next page, null on the last. */
export interface RunPage {
  data: RunView[];
  next: string | null;
}

/** A stored artifact's bytes and record. */
export interface ArtifactContent {
  record: ArtifactRecord;
  content: Uint8Array;
}

/**
 * The run use cases, for one caller: every door (HTTP routes, MCP tools, CLI commands, the
 * CLI talking to a running server) is an adapter over this. Each method asks policy as
 * the caller about the real resource (the run with its owner, the model it names) and
 * throws UmcaErrors with the same codes whichever door was used: `run_not_found`,
 * `forbidden`, `queue_full`, `invalid_request` naming the field…
 */
export interface Runs {
  /** Validates, records and queues a new run (`run` and `use-model` on the model it names; queue back-pressure). */
  start(input: StartRunInput): Promise<RunRecord>;
  /** One run with its artifacts' records. */
  get(id: string): Promise<RunView & { artifacts: Array<Omit<ArtifactRecord, 'run_id'>> }>;
  /** The runs the caller may read: all of them, or the ones it started. */
  list(query: ListRunsInput): Promise<RunPage>;
  /** Stored events after a seq, at most `limit` (all when absent). */
  events(id: string, options?: { afterSeq?: number; limit?: number }): Promise<RunEvent[]>;
  /**
   * Events after a seq, then live, ending after the final one; `undefined` is a heartbeat
   * after `idleMs` of quiet. Resolves once the caller may read the run, so a door can answer
   * 404 or 403 before it starts a stream.
   */
  follow(id: string, options?: { afterSeq?: number; signal?: AbortSignal; idleMs?: number }): Promise<AsyncIterable<RunEvent | undefined>>;
  /** Ends a run that is not final (`cancel-run` on the run). */
  cancel(id: string, reason?: string): Promise<RunRecord>;
  /** Reopens a blocked run past the gate that blocked it and queues it (`override-gate` on that gate). */
  override(id: string, reason: string): Promise<RunRecord>;
  /** Re-computes the run's hash chain. */
  verify(id: string): Promise<{ run_id: string } & ChainVerdict>;
  artifacts(id: string): Promise<ArtifactRecord[]>;
  artifact(id: string, path: string): Promise<ArtifactContent>;
}
