/**
 * Where model-written code runs. A lane takes files and runs their tests under hard
 * limits; whatever the guest does, the host gets a classified result, never a crash.
 */

export interface SandboxLimits {
  /** Wall-clock budget for the whole job. */
  timeoutMs: number;
  /** Memory the guest may use. */
  memoryBytes: number;
  /** Bytes of console output kept; more stops the guest with `output_limit`. */
  outputBytes: number;
}

export interface SandboxJob {
  /** Source files by relative POSIX path (`src/a.ts`, `test/a.test.ts`). */
  files: Record<string, string>;
  /** Paths of the test files to run; default: every file that looks like a test. */
  tests?: string[];
  limits: SandboxLimits;
}

export interface TestOutcome {
  name: string;
  ok: boolean;
  error?: string;
  duration_ms: number;
}

/**
 * `ok`: the tests ran (each may pass or fail). `error`: the code could not load or
 * threw outside a test. `timeout`, `oom`, `output_limit`: a limit stopped it.
 */
export type SandboxStatus = 'ok' | 'error' | 'timeout' | 'oom' | 'output_limit';

export interface SandboxResult {
  status: SandboxStatus;
  /** One human-readable line on what happened. */
  message: string;
  tests: TestOutcome[];
  /** Console output, cut at the output limit. */
  output: string;
  outputTruncated: boolean;
  durationMs: number;
}

export interface SandboxLane {
  /** e.g. `wasm-js`. */
  readonly name: string;
  /** Starts whatever the lane needs ahead of a job with these limits, off the hot path. MUST NOT reject. */
  warm(limits: SandboxLimits): Promise<void>;
  /** Runs one job. MUST resolve (never reject) with a classified result for anything the guest does. */
  run(job: SandboxJob, options?: { signal?: AbortSignal }): Promise<SandboxResult>;
  /** Stops idle workers; pending jobs finish first. */
  close(): Promise<void>;
}

export function isTestFile(path: string): boolean {
  return /\.(test|spec)\.[cm]?[jt]sx?$/.test(path) || /^(test|tests|__tests__)\//.test(path);
}
