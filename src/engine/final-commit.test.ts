import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError, ProviderError } from '../core/errors.js';
import type { RunRecord } from '../core/run.js';
import { outcomeCommit, stoppedCommit } from './final-commit.js';
import { RunBlockedError } from './run-context.js';

const run = { id: 'r1', created_at: '2026-12-02T10:00:00.000Z' } as RunRecord;

describe('a run\'s final commit', () => {
  it('holds the files, their events and run.completed, timed by the engine\'s clock, and drops the checkpoints', () => {
    const commit = outcomeCommit(run, { status: 'completed', attempts: 2, files: [{ path: 'src/a.ts', content: 'export {};' }] }, 'w1', Date.parse('2026-12-02T10:00:01.500Z'));
    assert.deepEqual(commit.events!.map((e) => e.type), ['artifact.created', 'run.completed']);
    assert.deepEqual(commit.events![1]!.data, { artifacts: 1, attempts: 2, duration_ms: 1_500 });
    assert.equal(commit.artifacts[0]!.sha256, (commit.events![0]!.data as { sha256: string }).sha256);
    assert.deepEqual([commit.status, commit.reason, commit.releaseLease, commit.dropCheckpoints], ['completed', null, 'w1', true]);
  });

  it('ends a stopped pipeline as cancelled, blocked (checkpoints kept for an override) or failed', () => {
    const aborted = new AbortController();
    aborted.abort(new CancelledError('stop it', 'user:ann'));
    const cancelled = stoppedCommit(new Error('aborted'), aborted.signal, 'w1');
    assert.deepEqual([cancelled.status, cancelled.events![0]!.actor, cancelled.dropCheckpoints], ['cancelled', 'user:ann', true]);
    const live = new AbortController().signal;
    const blocked = stoppedCommit(new RunBlockedError('g1-plan', ['R2 untested']), live, 'w1');
    assert.deepEqual([blocked.status, blocked.events![0]!.type, blocked.dropCheckpoints], ['blocked', 'run.blocked', false]);
    const failed = stoppedCommit(new ProviderError('openai-compatible', 'http://x', 'refused', { code: 'provider_unreachable' }), live, 'w1');
    assert.deepEqual([failed.status, (failed.events![0]!.data as { error: { code: string } }).error.code], ['failed', 'provider_unreachable']);
  });
});
