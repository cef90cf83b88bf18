import type { RunOptionsInput } from './run-options.js';

/** A run's lifecycle, listed once: every schema, filter and menu of statuses reads it from here. `completed`, `failed`, `blocked` and `cancelled` are final. */
export const RUN_STATUSES = ['created', 'running', 'completed', 'failed', 'blocked', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'blocked', 'cancelled']);

/** Final and never resumed (a blocked run may be, by an override): their checkpoints can go. */
export const ENDED_FOR_GOOD: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled']);

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
  /** When the holder's lease lapses unless it heartbeats; null for a lease without expiry (one process) or none. */
  lease_expires_at: string | null;
  /** The principal that started the run; null for runs from before owners were kept whose log no longer says. */
  owner: string | null;
  /** That principal with the roles its policy decisions use, as `run.created` recorded it; null for runs from before it was kept. */
  principal: RecordedPrincipal | null;
}

/** A principal as a run keeps it (`run.created`'s `principal`). */
export interface RecordedPrincipal {
  id: string;
  roles: string[];
  via: string;
}

/** A run as the worker that leased it gets it: with what it asked for (`run.created`'s `options`; null for runs from before they were kept). */
export interface LeasedRun extends RunRecord {
  options: RunOptionsInput | null;
}

export interface ArtifactRecord {
  run_id: string;
  path: string;
  sha256: string;
  size: number;
}

/** One model call, as the gateway meters it. */
export interface UsageRecord {
  /** What the caller asked for: an alias, a provider, `provider/model` or `scripted:…`. */
  model_ref: string;
  provider: string;
  upstream_model: string;
  run_id: string | null;
  input_tokens: number;
  output_tokens: number;
  /** Answered from the response cache. */
  cached: boolean;
  latency_ms: number;
  /** Time to the first streamed part. */
  ttft_ms: number | null;
  cost_usd: number;
  status: 'ok' | 'error';
  error_code: string | null;
}

export interface UsageTotals {
  /** The group: a model reference, or a day (YYYY-MM-DD). */
  key: string;
  requests: number;
  errors: number;
  cached: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}
