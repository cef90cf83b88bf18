import { draft } from '../core/events.js';
import type { RunContext } from '../engine/pipeline.js';
import type { StepScope } from '../engine/step-scope.js';
import { UmcaError } from '../core/errors.js';
import type { SandboxJob, SandboxStatus } from '../sandbox/sandbox-lane.js';
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

/**
 * Runs the coder's tests in the lane the selector picks (wasm-js for JS/TS, wasm-python for
 * Python with `unittest`, the process lane where the job needs it; G3 asked policy for it
 * first) and records what happened: the lane and why, every egress decision, the classified
 * result.
 */
export function runTester(context: RunContext, scope: StepScope, files: CodeFile[]): Promise<TestReport> {
  return runSandboxJob(context, scope, { files: Object.fromEntries(files.map((f) => [f.path, f.content])) });
}

/**
 * A repository's tests (see runTester): its own test command over its files, in the process
 * lane; or, for plain JavaScript whose tests are node:test, those test files, in the lane the
 * selector picks (wasm-js unless the run needs more).
 */
export function runRepositoryTests(
  context: RunContext,
  scope: StepScope,
  input: { files: Record<string, string | Uint8Array>; why?: string; layers?: SandboxJob['layers']; keepWork?: string } & ({ command: string } | { tests: string[] }),
): Promise<TestReport> {
  const files: Record<string, string> = {};
  const blobs: Record<string, Uint8Array> = {};
  for (const [path, content] of Object.entries(input.files)) {
    if (typeof content === 'string') files[path] = content;
    else blobs[path] = content;
  }
  if ('tests' in input) return runSandboxJob(context, scope, { files, tests: input.tests });
  return runSandboxJob(context, scope, { files, blobs, command: input.command, ...(input.layers?.length ? { layers: input.layers } : {}), ...(input.keepWork ? { keepWork: input.keepWork } : {}) }, input.why);
}

/** `why`: what made the job what it is, said after the lane's own reason. */
async function runSandboxJob(context: RunContext, scope: StepScope, work: Pick<SandboxJob, 'files' | 'blobs' | 'command' | 'tests' | 'layers' | 'keepWork'>, why?: string): Promise<TestReport> {
  const limits = context.sandboxLimits;
  const job: SandboxJob = {
    ...work,
    limits,
    ...(context.sandboxEgress.length > 0 ? { egress: { allowedOutboundHosts: [...context.sandboxEgress] } } : {}),
  };
  const choice = context.sandbox.select({ job, runtime: context.options.runtime });
  if (!choice.ok) {
    if (choice.code === 'bad_job') return { status: 'nonzero_exit', message: choice.message, passed: 0, failed: 0, failures: [], output: '' };
    // G3 checked the lane before the tests (and policy's say on it); this is the machine's answer.
    throw new UmcaError(choice.code, choice.message, { status: 409 });
  }
  const { lane } = choice;
  scope.emit(
    draft('sandbox.started', 'agent:tester', {
      step: scope.step,
      lane: lane.name,
      reason: why ? `${choice.reason} (${why})` : choice.reason,
      language: choice.language,
      limits: { timeout_ms: limits.timeoutMs, memory_bytes: limits.memoryBytes, output_bytes: limits.outputBytes },
      ...(job.egress ? { allowed_outbound_hosts: job.egress.allowedOutboundHosts } : {}),
    }),
  );
  const result = await lane.run(job, {
    signal: scope.signal,
    onEgress: (decision) => scope.emit(draft('sandbox.egress', `sandbox:${lane.name}`, { step: scope.step, lane: lane.name, ...decision })),
  });
  const failures = result.tests.filter((t) => !t.ok).map((t) => ({ name: t.name, error: t.error ?? 'failed' }));
  const output = `${result.stdout}${result.stderr}`;
  scope.emit(
    draft('sandbox.finished', 'agent:tester', {
      step: scope.step,
      lane: lane.name,
      status: result.status,
      message: result.message,
      duration_ms: round(result.durationMs),
      tests: result.tests,
      output: output.slice(0, RECORDED_OUTPUT),
      output_truncated: result.outputTruncated || output.length > RECORDED_OUTPUT,
      stdout: result.stdout.slice(0, RECORDED_OUTPUT),
      stderr: result.stderr.slice(0, RECORDED_OUTPUT),
      exit_code: result.exitCode,
      artifacts: result.artifacts.map(({ path, size, sha256 }) => ({ path, size, sha256 })),
      usage: {
        wall_ms: round(result.usage.wallMs),
        ...(result.usage.cpuMs === undefined ? {} : { cpu_ms: result.usage.cpuMs }),
        ...(result.usage.maxRssBytes === undefined ? {} : { max_rss_bytes: result.usage.maxRssBytes }),
      },
    }),
  );
  return {
    status: result.status,
    message: result.message,
    passed: result.tests.length - failures.length,
    failed: failures.length,
    failures,
    output: output.slice(0, RECORDED_OUTPUT),
  };
}

const round = (ms: number) => Math.round(ms * 100) / 100;
