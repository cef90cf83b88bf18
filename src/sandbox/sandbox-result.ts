import type { ExitFacts } from './process/classify-exit.js';
import { classifyExit } from './process/classify-exit.js';
import type { SandboxArtifact, SandboxResult, SandboxStatus } from './sandbox-lane.js';
import { boundTests, recordBudget } from './bound-result.js';

/** The result for a job stopped before its guest ran (a bad job, a lane that cannot take it). */
export function refusedResult(status: SandboxStatus, message: string, started: number): SandboxResult {
  const durationMs = performance.now() - started;
  return { status, message, tests: [], stdout: '', stderr: '', outputTruncated: false, exitCode: null, artifacts: [], usage: { wallMs: durationMs }, durationMs };
}

/**
 * The result for a guest process that ran: classified from what the host saw, its test records
 * bounded (see boundTests) and counted with its output toward the one output limit.
 */
export function exitResult(facts: ExitFacts, artifacts: SandboxArtifact[], started: number): SandboxResult {
  const bounded = boundTests(facts.tests, facts.usage.wallMs, recordBudget(facts.limits, facts.stdout, facts.stderr));
  const counted = { ...facts, tests: bounded.tests, outputExceeded: facts.outputExceeded || bounded.exceeded };
  return {
    ...classifyExit(counted),
    tests: counted.tests,
    stdout: facts.stdout,
    stderr: facts.stderr,
    outputTruncated: counted.outputExceeded,
    exitCode: facts.exitCode,
    artifacts,
    usage: facts.usage,
    durationMs: performance.now() - started,
  };
}
