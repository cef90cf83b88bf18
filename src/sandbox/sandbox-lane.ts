/**
 * Where model-written code runs. A lane takes files and either runs their tests or runs one
 * program, under hard limits; whatever the guest does, the host gets a classified result,
 * never a crash, and nothing outside the job's work dir changes.
 */

export type SandboxLanguage = 'javascript' | 'python' | 'bash';

export interface SandboxLimits {
  /** Wall-clock budget for the whole job. */
  timeoutMs: number;
  /** Memory the guest may use. */
  memoryBytes: number;
  /** Bytes of stdout + stderr kept; more stops the guest with `output_limit`. */
  outputBytes: number;
  /** Writable space (process lane): /work holds this much; more ends the job with `disk_limit`. Default: the lane's. */
  diskBytes?: number;
}

/** `host:port` pairs a job may connect to (like Spin's `allowed_outbound_hosts`). Empty: no network. */
export interface EgressGrant {
  allowedOutboundHosts: string[];
}

export interface SandboxJob {
  /** Source files by relative POSIX path (`src/a.ts`, `test_a.py`). */
  files: Record<string, string>;
  /** Runs this one program instead of tests; its exit status decides `ok` or `nonzero_exit`. */
  entry?: string;
  /** Paths of the test files to run; default: every file that looks like a test. */
  tests?: string[];
  /** Files as bytes (a repository's images, data): the process lane writes them as they are; the WebAssembly lanes take text only. */
  blobs?: Record<string, Uint8Array>;
  /**
   * Runs this shell command line (`sh -c`, in /work) instead of tests or an entry: a
   * repository's own test command. Process lane only. Per-test outcomes come from node:test
   * (a reporter added through NODE_OPTIONS) and pytest (JUnit XML through PYTEST_ADDOPTS);
   * for any other runner, one outcome: the command's exit status.
   */
  command?: string;
  /**
   * Host directories the guest sees read-only, each linked at `/work/<at>` (process lane): a
   * repository's installed dependencies (`node_modules`), made once and shared by its runs.
   */
  layers?: Array<{ source: string; at: string }>;
  /** A host file the job's whole /work is left in as a tar archive when it ends (process lane): how a layer is made. */
  keepWork?: string;
  limits: SandboxLimits;
  /** Network the guest may reach, through umca's egress proxy. Default: none. */
  egress?: EgressGrant;
}

export interface TestOutcome {
  name: string;
  ok: boolean;
  error?: string;
  duration_ms: number;
}

/**
 * `ok`: the program exited 0, or the tests ran (each may pass or fail).
 * `nonzero_exit`: the program failed, or test code could not load.
 * `timeout`, `oom`, `output_limit`, `disk_limit`: a limit stopped it. `egress_denied`: it tried to reach a
 * host it was not granted. `crashed`: the sandbox itself died (a signal, a lost worker).
 */
export type SandboxStatus = 'ok' | 'nonzero_exit' | 'timeout' | 'oom' | 'output_limit' | 'disk_limit' | 'egress_denied' | 'crashed';

export interface SandboxArtifact {
  /** Relative POSIX path in the work dir. */
  path: string;
  size: number;
  sha256: string;
  /** The bytes, as UTF-8 text, for files up to the lane's artifact size limit. */
  content?: string;
}

export interface ResourceUse {
  wallMs: number;
  /** User + system CPU time, where the lane can measure it. */
  cpuMs?: number;
  /** Peak resident memory, where the lane can measure it. */
  maxRssBytes?: number;
}

export interface SandboxResult {
  status: SandboxStatus;
  /** One human-readable line on what happened. */
  message: string;
  tests: TestOutcome[];
  /** The guest's stdout and stderr, together cut at the output limit. */
  stdout: string;
  stderr: string;
  outputTruncated: boolean;
  /** The program's exit status; null when a limit or a signal stopped it. */
  exitCode: number | null;
  /** Files the guest created or changed in its work dir. */
  artifacts: SandboxArtifact[];
  usage: ResourceUse;
  durationMs: number;
}

/** A connection the guest asked the egress proxy for. */
export interface EgressDecision {
  host: string;
  port: number;
  allowed: boolean;
  /** Why: `listed`, `not_listed`, `private_address`, `dns_failed`... */
  reason: string;
  /** The address connected to, when allowed. */
  address?: string;
}

export interface SandboxRunOptions {
  signal?: AbortSignal;
  /** Called for every connection the guest's egress proxy allowed or refused. */
  onEgress?: (decision: EgressDecision) => void;
}

export interface SandboxLane {
  /** `wasm-js`, `wasm-python` or `process`. */
  readonly name: string;
  /** Languages this lane runs. */
  readonly languages: ReadonlySet<SandboxLanguage>;
  /** Starts whatever the lane needs ahead of a job with these limits, off the hot path. MUST NOT reject. */
  warm(limits: SandboxLimits): Promise<void>;
  /** Runs one job. MUST resolve (never reject) with a classified result for anything the guest does. */
  run(job: SandboxJob, options?: SandboxRunOptions): Promise<SandboxResult>;
  /** Stops idle workers; pending jobs finish first. */
  close(): Promise<void>;
}
