import { draft } from '../core/events.js';
import type { RunContext, StepScope } from '../engine/pipeline.js';
import type { SandboxStatus } from '../sandbox/sandbox-lane.js';
import type { CodeFile } from './code-files.js';

export interface TestReport {
  status: SandboxStatus;
  message: string;
  passed: number;
  failed: number;
  failures: Array<{ name: string; error: string }>;
  output: string;
}

const RECORDED_OUTPUT = 16 * 1024;

/** True when the tests ran, at least one exists, and none failed. */
export const isGreen = (report: TestReport): boolean => report.status === 'ok' && report.passed > 0 && report.failed === 0;

/** Runs the coder's tests in the sandbox lane and records what happened. */
export async function runTester(context: RunContext, scope: StepScope, files: CodeFile[]): Promise<TestReport> {
  const lane = context.sandbox;
  const limits = context.sandboxLimits;
  scope.emit(
    draft('sandbox.started', 'agent:tester', {
      step: scope.step,
      lane: lane.name,
      reason: 'default lane for JavaScript/TypeScript tests',
      limits: { timeout_ms: limits.timeoutMs, memory_bytes: limits.memoryBytes, output_bytes: limits.outputBytes },
    }),
  );
  const result = await lane.run({ files: Object.fromEntries(files.map((f) => [f.path, f.content])), limits }, { signal: scope.signal });
  const failures = result.tests.filter((t) => !t.ok).map((t) => ({ name: t.name, error: t.error ?? 'failed' }));
  scope.emit(
    draft('sandbox.finished', 'agent:tester', {
      step: scope.step,
      lane: lane.name,
      status: result.status,
      message: result.message,
      duration_ms: Math.round(result.durationMs * 100) / 100,
      tests: result.tests,
      output: result.output.slice(0, RECORDED_OUTPUT),
      output_truncated: result.outputTruncated || result.output.length > RECORDED_OUTPUT,
    }),
  );
  return {
    status: result.status,
    message: result.message,
    passed: result.tests.length - failures.length,
    failed: failures.length,
    failures,
    output: result.output.slice(0, RECORDED_OUTPUT),
  };
}
