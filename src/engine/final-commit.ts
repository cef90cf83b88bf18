import { sha256Hex } from '../core/hash-chain.js';
import { CancelledError, toUmcaError } from '../core/errors.js';
import { draft, type EventDraft } from '../core/events.js';
import { ENDED_FOR_GOOD, type RunRecord, type RunStatus } from '../core/run.js';
import type { QueuedCommit } from './commit-queue.js';
import type { PipelineOutcome } from './pipeline.js';
import { RunBlockedError } from './run-context.js';

/**
 * A pipeline's outcome as the run's final commit: the artifacts (content-addressed), their
 * `artifact.created` events and `run.completed` or `run.failed`, with the run's status, its
 * lease released and its checkpoints dropped — one commit, so a run is never completed
 * without its files. `now` is the engine's clock.
 */
export function outcomeCommit(run: RunRecord, outcome: PipelineOutcome, holder: string, now: number): QueuedCommit & { artifacts: Array<{ path: string; sha256: string; content: Uint8Array }> } {
  const artifacts = outcome.files.map((file) => {
    const content = new TextEncoder().encode(file.content);
    return { path: file.path, sha256: sha256Hex(content), content };
  });
  const created = artifacts.map((a) => draft('artifact.created', 'engine', { path: a.path, sha256: a.sha256, size: a.content.byteLength }));
  const final =
    outcome.status === 'completed'
      ? draft('run.completed', 'engine', { artifacts: artifacts.length, attempts: outcome.attempts, duration_ms: Math.max(0, now - Date.parse(run.created_at)) })
      : draft('run.failed', 'engine', { reason: outcome.reason, error: { code: outcome.code, message: outcome.reason } });
  return {
    events: [...created, final],
    artifacts,
    status: outcome.status,
    reason: outcome.status === 'completed' ? null : outcome.reason,
    releaseLease: holder,
    dropCheckpoints: true,
  };
}

/**
 * How a pipeline that threw ends the run: cancelled (its signal was aborted), blocked (a
 * gate blocked it; its checkpoints stay for an override) or failed (the error, as users see it).
 */
export function stoppedCommit(error: unknown, signal: AbortSignal, holder: string): QueuedCommit {
  const end = (event: EventDraft, status: RunStatus, reason: string): QueuedCommit => ({
    events: [event],
    status,
    reason,
    releaseLease: holder,
    dropCheckpoints: ENDED_FOR_GOOD.has(status),
  });
  if (signal.aborted) {
    const cancelled = signal.reason instanceof CancelledError ? signal.reason : new CancelledError('cancelled');
    return end(draft('run.cancelled', cancelled.by, { reason: cancelled.message }), 'cancelled', cancelled.message);
  }
  if (error instanceof RunBlockedError) return end(draft('run.blocked', `gate:${error.gate}`, { gate: error.gate, reasons: error.reasons, step: error.step }), 'blocked', error.message);
  const failure = toUmcaError(error);
  return end(draft('run.failed', 'engine', { reason: failure.message, error: { code: failure.code, message: failure.message } }), 'failed', failure.message);
}
