/** A run's lifecycle. `completed`, `failed`, `blocked` and `cancelled` are final. */
export type RunStatus = 'created' | 'running' | 'completed' | 'failed' | 'blocked' | 'cancelled';

export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'blocked', 'cancelled']);

export interface RunRecord {
  id: string;
  spec: string;
  model: string;
  status: RunStatus;
  /** One-line reason for failed/blocked/cancelled runs. */
  reason: string | null;
  trace_id: string;
  created_at: string;
  updated_at: string;
  /** Highest seq appended so far (0 before the first event). */
  last_seq: number;
  /** Who executes the run right now, e.g. `host:pid`; null when nobody does. */
  lease_owner: string | null;
}

export interface ArtifactRecord {
  run_id: string;
  path: string;
  sha256: string;
  size: number;
}
