import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OutputCapture } from '../output-capture.js';
import { bwrapArgv, nodeInstallMounts } from '../process/bwrap-command.js';
import type { ExitFacts } from '../process/classify-exit.js';
import { takeGuestIdentity, type GuestIdentity } from '../process/guest-identity.js';
import { killGroup } from '../process/kill-group.js';
import { PYTHON_TEST_RUNNER } from '../process/guest-runners.js';
import { languageOfJob, testPathsOf } from '../job-language.js';
import { exitResult, refusedResult } from '../sandbox-result.js';
import {
  type SandboxJob,
  type SandboxLane,
  type SandboxLanguage,
  type SandboxLimits,
  type SandboxResult,
  type SandboxRunOptions,
  type SandboxStatus,
  type TestOutcome,
} from '../sandbox-lane.js';
import { checkJobPath } from '../work-dir.js';
import { guestArtifacts } from '../guest-artifacts.js';
import { BoundedLines } from '../bounded-lines.js';
import { PYODIDE_EXECUTE, PYODIDE_HOST } from './pyodide-host.js';

export interface WasmPythonLaneOptions {
  /** Children kept loaded and waiting for a job. Default 1. */
  poolSize?: number;
  /** Memory for Node and Pyodide themselves, on top of the job's limit. Default 320 MiB. */
  runtimeBytes?: number;
  /** Longest wait for a child to load Pyodide. Default 60 s. */
  startTimeoutMs?: number;
  /** Host paths the child must never see even where a system dir is mounted (UMCA_HOME). */
  hide?: readonly string[];
}

interface Child {
  process: ChildProcess;
  identity: GuestIdentity;
  memoryBytes: number;
  ready: Promise<void>;
  /** Where the child's output goes; replaced per job. */
  output: OutputCapture;
  /** Its report channel (fd 3), bounded per job. */
  reports: BoundedLines | undefined;
  /** Called when the report channel passes its bound. */
  onOverflow: (() => void) | undefined;
  /** The child's reports on fd 3, one JSON object per line. */
  onReport: ((report: GuestReport) => void) | undefined;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

interface GuestReport {
  type: 'ready' | 'result' | 'output';
  fd?: number;
  data?: string;
  exitCode?: number;
  tests?: TestOutcome[];
  error?: string;
  artifacts?: unknown;
}

const PYODIDE_DIR = dirname(fileURLToPath(import.meta.resolve('pyodide')));
const PRELOAD_OUTPUT_BYTES = 64 * 1024;

/** What the report channel may carry for a job with this output limit: its output as base64, its test records, room for framing. */
const reportBudget = (outputBytes: number) => Math.ceil(outputBytes * 4 / 3) + outputBytes + 256 * 1024 + ARTIFACT_REPORT_BYTES;
/** The result's artifact list: 200 entries and at most 4 MiB of inline text (pyodide-host.ts), JSON-escaped. */
const ARTIFACT_REPORT_BYTES = 6 * 4 * 1024 * 1024 + 200 * 1024;

/**
 * Python 3 as WebAssembly (Pyodide, offline from its npm package), one sandboxed child per
 * job: each child runs under the process lane's bubblewrap isolation and Node's permission
 * model, loads Pyodide ahead of time (a warm pool keeps the ~3 s start-up off the hot path),
 * runs exactly one job and is thrown away, so nothing of one run reaches the next.
 */
export class WasmPythonLane implements SandboxLane {
  readonly name = 'wasm-python';
  readonly languages: ReadonlySet<SandboxLanguage> = new Set(['python']);
  readonly #options: Required<WasmPythonLaneOptions>;
  #empty: string | undefined;
  readonly #idle: Child[] = [];
  readonly #starting = new Set<Child>();
  readonly #busy = new Set<Promise<unknown>>();
  #poolLimits: SandboxLimits | undefined;
  #closed = false;

  constructor(options: WasmPythonLaneOptions = {}) {
    this.#options = {
      poolSize: options.poolSize ?? 1,
      runtimeBytes: options.runtimeBytes ?? 320 * 1024 * 1024,
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
      hide: options.hide ?? [],
    };
  }

  async warm(limits: SandboxLimits): Promise<void> {
    this.#poolLimits = limits;
    await this.#refill().catch(() => undefined);
    await Promise.allSettled([...this.#starting].filter((child) => child.memoryBytes === limits.memoryBytes).map((child) => child.ready));
  }

  run(job: SandboxJob, options: SandboxRunOptions = {}): Promise<SandboxResult> {
    const running = this.#run(job, options);
    this.#busy.add(running);
    void running.finally(() => this.#busy.delete(running));
    return running;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#busy]);
    await Promise.all([...this.#idle.splice(0), ...this.#starting].map((child) => this.#discard(child)));
    if (this.#empty) rmSync(this.#empty, { recursive: true, force: true });
    this.#empty = undefined;
  }

  async #run(job: SandboxJob, options: SandboxRunOptions): Promise<SandboxResult> {
    const started = performance.now();
    const early = (status: SandboxStatus, message: string) => refusedResult(status, message, started);
    const { language, error } = languageOfJob(job);
    if (!language) return early('nonzero_exit', error!);
    if (language !== 'python') return early('nonzero_exit', `the wasm-python lane runs Python, not ${language}`);
    if ((job.egress?.allowedOutboundHosts.length ?? 0) > 0) return early('egress_denied', 'the wasm-python lane has no network; egress needs the process lane');
    for (const path of Object.keys(job.files)) {
      const problem = checkJobPath(path);
      if (problem) return early('nonzero_exit', problem);
    }

    let child: Child;
    try {
      child = await this.#take(job.limits);
    } catch (cause) {
      return early('crashed', `Python (Pyodide) could not start: ${(cause as Error).message}`);
    }
    this.#poolLimits ??= job.limits;
    try {
      // The child writes the files itself, as the guest's uid, into its own tmpfs.
      const tests = job.entry === undefined ? testPathsOf(job) : [];
      const facts = await this.#execute(child, job, tests, options.signal);
      return exitResult(facts, guestArtifacts(facts.artifacts), started);
    } catch (cause) {
      return early('crashed', `the wasm-python lane failed: ${(cause as Error).message}`);
    } finally {
      // The child exits by itself after its one job; its teardown is off the caller's path.
      // The pool refills only after the caller has its result: spawning blocks the event loop
      // for milliseconds, so it waits for the next turn (setImmediate) rather than run here.
      const refilled = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#refill()).catch(() => undefined);
      const discarded = Promise.all([this.#discard(child), refilled]);
      this.#busy.add(discarded);
      void discarded.finally(() => this.#busy.delete(discarded));
    }
  }

  #execute(child: Child, job: SandboxJob, tests: string[], signal: AbortSignal | undefined): Promise<ExitFacts & { artifacts: unknown }> {
    const output = new OutputCapture(job.limits.outputBytes);
    child.output = output;
    const sent = performance.now();
    return new Promise((resolve) => {
      let stoppedBy: ExitFacts['stoppedBy'];
      let report: GuestReport | undefined;
      let finished = false;
      const finish = (exit: { code: number | null; signal: NodeJS.Signals | null }) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const stderr = report?.error === 'MemoryError' && !/MemoryError/.test(output.stderr) ? `${output.stderr}MemoryError\n` : output.stderr;
        resolve({
          mode: job.entry === undefined ? 'tests' : 'program',
          exitCode: stoppedBy ? null : (report?.exitCode ?? exit.code),
          signal: report ? null : exit.signal,
          stoppedBy,
          stdout: output.stdout,
          stderr,
          outputExceeded: output.exceeded,
          usage: { wallMs: performance.now() - sent },
          tests: report?.tests ?? [],
          artifacts: stoppedBy ? [] : report?.artifacts,
          limits: job.limits,
          egressDenied: undefined,
        });
      };
      const stop = (reason: NonNullable<ExitFacts['stoppedBy']>) => {
        stoppedBy ??= reason;
        killGroup(child.process);
      };
      const timer = setTimeout(() => stop('timeout'), job.limits.timeoutMs);
      const onAbort = () => stop('cancelled');
      signal?.addEventListener('abort', onAbort, { once: true });
      child.onReport = (message) => {
        if (message.type !== 'result' || stoppedBy) return;
        report = message;
        finish({ code: message.exitCode ?? null, signal: null });
      };
      output.onExceeded = () => stop('output_limit');
      child.reports?.setBudget(reportBudget(job.limits.outputBytes));
      child.onOverflow = () => {
        output.exceeded = true;
        stop('output_limit');
      };
      void child.exited.then(finish);
      if (signal?.aborted) return onAbort();
      child.process.stdin!.end(`${JSON.stringify({ files: job.files, ...(job.entry === undefined ? { tests } : { entry: job.entry }) })}\n`);
    });
  }

  async #take(limits: SandboxLimits): Promise<Child> {
    const index = this.#idle.findIndex((child) => child.memoryBytes === limits.memoryBytes);
    if (index >= 0) return this.#idle.splice(index, 1)[0]!;
    const waiting = [...this.#starting].find((child) => child.memoryBytes === limits.memoryBytes);
    if (waiting) {
      this.#starting.delete(waiting);
      await waiting.ready;
      return waiting;
    }
    const child = await this.#spawn(limits.memoryBytes);
    this.#starting.delete(child);
    try {
      await child.ready;
    } catch (error) {
      await this.#discard(child);
      throw error;
    }
    return child;
  }

  /** Starts children until the pool holds `poolSize` loaded or loading ones for the pool's limits. */
  async #refill(): Promise<void> {
    const limits = this.#poolLimits;
    if (!limits) return;
    const pending: Array<Promise<void>> = [];
    while (!this.#closed && this.#idle.length + this.#starting.size < this.#options.poolSize) {
      const child = await this.#spawn(limits.memoryBytes);
      pending.push(
        child.ready.then(
          () => {
            if (!this.#starting.delete(child)) return;
            if (this.#closed) void this.#discard(child);
            else this.#idle.push(child);
          },
          () => {
            this.#starting.delete(child);
            void this.#discard(child);
          },
        ),
      );
    }
    await Promise.all(pending);
  }

  /** The one empty, unwritable directory every child sees as /work and /tmp. */
  #emptyDir(): string {
    if (!this.#empty) {
      this.#empty = mkdtempSync(join(tmpdir(), 'umca-pyodide-'));
      chmodSync(this.#empty, 0o555);
    }
    return this.#empty;
  }

  async #spawn(memoryBytes: number): Promise<Child> {
    const identity = takeGuestIdentity();
    const argv = bwrapArgv({
      // Pyodide's files live in its own memory and Node's permission model allows no write;
      // /work and /tmp are one empty directory no one may write to (mode 0555), and /dev/shm
      // is a 1 MiB tmpfs: were the permission model bypassed, there is still nowhere to fill.
      readOnly: [...nodeInstallMounts(), { source: PYODIDE_DIR, target: '/pyodide' }, { source: this.#emptyDir(), target: '/work' }, { source: this.#emptyDir(), target: '/tmp' }],
      tmpfs: [{ target: '/dev/shm', bytes: 1024 * 1024 }],
      hide: this.#options.hide,
      env: { PATH: '/usr/bin:/bin', HOME: '/work', LANG: 'C.UTF-8' },
      ...(identity.uid === undefined ? {} : { uid: identity.uid }),
      rlimits: {
        // Loading Pyodide takes a few CPU seconds of the budget.
        cpuSeconds: 600,
        dataBytes: memoryBytes + this.#options.runtimeBytes,
        fileBytes: 64 * 1024 * 1024,
        processes: 64,
        openFiles: 256,
      },
      command: [
        'node',
        '--experimental-permission',
        '--allow-fs-read=/pyodide',
        '--no-warnings',
        '--max-old-space-size=256',
        '--input-type=module',
        '-e',
        PYODIDE_HOST,
        '/pyodide',
        PYTHON_TEST_RUNNER,
        PYODIDE_EXECUTE,
      ],
    });
    const proc = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe', 'pipe'], detached: true, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    const child: Child = {
      process: proc,
      identity,
      memoryBytes,
      ready: Promise.resolve(),
      output: new OutputCapture(PRELOAD_OUTPUT_BYTES),
      reports: undefined,
      onOverflow: undefined,
      onReport: undefined,
      exited: new Promise((resolve) => proc.once('close', (code, signal) => resolve({ code, signal }))),
    };
    proc.stdout!.on('data', (chunk: Buffer) => child.output.write('stdout', chunk));
    proc.stderr!.on('data', (chunk: Buffer) => child.output.write('stderr', chunk));
    proc.stdin!.on('error', () => undefined);
    proc.on('error', () => undefined);
    child.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        killGroup(proc);
        reject(new Error(`Pyodide did not load within ${this.#options.startTimeoutMs} ms`));
      }, this.#options.startTimeoutMs);
      const onLine = (line: string) => {
        let report: GuestReport;
        try {
          report = JSON.parse(line) as GuestReport;
        } catch {
          return;
        }
        if (report.type === 'output') child.output.write(report.fd === 2 ? 'stderr' : 'stdout', Buffer.from(report.data ?? '', 'base64'));
        else if (report.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else child.onReport?.(report);
      };
      // Everything Pyodide's host reports (output as base64, test records) passes through
      // here; a guest that reaches it through `import js` still cannot send more than this.
      child.reports = new BoundedLines(proc.stdio[3] as Readable, reportBudget(PRELOAD_OUTPUT_BYTES), onLine, () => {
        child.onOverflow?.();
        killGroup(proc);
      });
      void child.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        const said = child.output.stderr.trim().split('\n').pop() ?? '';
        reject(new Error(`the child exited during start-up (${signal ?? `status ${code}`})${said ? `: ${said}` : ''}`));
      });
    });
    child.ready.catch(() => undefined);
    this.#starting.add(child);
    return child;
  }

  async #discard(child: Child): Promise<void> {
    this.#starting.delete(child);
    killGroup(child.process);
    await child.exited;
    child.identity.release();
  }
}
