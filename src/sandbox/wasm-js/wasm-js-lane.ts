import { Worker } from 'node:worker_threads';
import { languageOfJob, testPathsOf } from '../job-language.js';
import { refusedResult } from '../sandbox-result.js';
import { type SandboxJob, type SandboxLane, type SandboxLanguage, type SandboxLimits, type SandboxResult, type SandboxRunOptions, type SandboxStatus } from '../sandbox-lane.js';
import { checkJobPath } from '../work-dir.js';
import { toGuestModules } from './transpile.js';
import type { GuestResult, RunRequest, RunResponse, WorkerData } from './wasm-js-protocol.js';

export interface WasmJsLaneOptions {
  /** Workers kept for parallel jobs. */
  maxWorkers?: number;
  /** Extra time the host waits past the job's limit before killing the worker outright. */
  killGraceMs?: number;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  memoryBytes: number;
}

// Built, the worker is worker.js. From source (tests under tsx) it is worker.ts, loaded
// through tsx's ESM hooks registered inside the worker first.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './worker.ts' : './worker.js', import.meta.url);
const WORKER_ENTRY: string | URL = FROM_SOURCE
  ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`
  : WORKER_URL;
const HEADROOM_BYTES = 32 * 1024 * 1024;

/**
 * JavaScript and TypeScript in QuickJS compiled to WebAssembly, one module per worker
 * thread. The guest's own deadline stops most runaway code; the host's kill timer stops
 * the rest. A worker that hit out-of-memory or was killed is replaced.
 */
export class WasmJsLane implements SandboxLane {
  readonly name = 'wasm-js';
  readonly languages: ReadonlySet<SandboxLanguage> = new Set(['javascript']);
  readonly #maxWorkers: number;
  readonly #killGraceMs: number;
  readonly #idle: Slot[] = [];
  readonly #waiting: Array<() => void> = [];
  #live = 0;
  #nextId = 1;
  #closed = false;

  constructor(options: WasmJsLaneOptions = {}) {
    this.#maxWorkers = options.maxWorkers ?? 2;
    this.#killGraceMs = options.killGraceMs ?? 1_000;
  }

  /** Starts a worker ahead of the first job so its start-up is off the hot path. */
  async warm(limits: SandboxLimits): Promise<void> {
    if (this.#closed || this.#idle.some((slot) => slot.memoryBytes === limits.memoryBytes) || this.#live >= this.#maxWorkers) return;
    const slot = this.#spawn(limits.memoryBytes);
    try {
      await slot.ready;
      this.#release(slot);
    } catch {
      await this.#kill(slot);
    }
  }

  async run(job: SandboxJob, options: SandboxRunOptions = {}): Promise<SandboxResult> {
    const started = performance.now();
    const done = (result: GuestResult): SandboxResult => {
      const durationMs = performance.now() - started;
      return { ...result, artifacts: [], usage: { wallMs: durationMs }, durationMs };
    };
    const fail = (status: SandboxStatus, message: string) => refusedResult(status, message, started);
    const { language, error: jobError } = languageOfJob(job);
    if (!language) return fail('nonzero_exit', jobError!);
    if (language !== 'javascript') return fail('nonzero_exit', `the wasm-js lane runs JavaScript and TypeScript, not ${language}`);
    const badPath = Object.keys(job.files).map(checkJobPath).find(Boolean);
    if (badPath) return fail('nonzero_exit', badPath);
    if ((job.egress?.allowedOutboundHosts.length ?? 0) > 0) return fail('egress_denied', 'the wasm-js lane has no network; egress needs the process lane');
    const { modules, error } = await toGuestModules(job.files);
    if (error) return fail('nonzero_exit', error);
    const tests = job.entry === undefined ? testPathsOf(job).filter((path) => path in modules) : [];

    let slot: Slot;
    try {
      slot = await this.#acquire(job.limits.memoryBytes);
    } catch (cause) {
      return fail('crashed', `sandbox worker could not start: ${(cause as Error).message}`);
    }
    const request: RunRequest = {
      type: 'run',
      id: this.#nextId++,
      modules,
      tests,
      ...(job.entry === undefined ? {} : { entry: job.entry }),
      timeoutMs: job.limits.timeoutMs,
      memoryBytes: job.limits.memoryBytes,
      outputBytes: job.limits.outputBytes,
    };
    return done(await this.#dispatch(slot, request, options.signal));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const idle = this.#idle.splice(0);
    await Promise.all(idle.map((slot) => this.#kill(slot)));
  }

  #dispatch(slot: Slot, request: RunRequest, signal: AbortSignal | undefined): Promise<GuestResult> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (result: GuestResult, reusable: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        slot.worker.off('message', onMessage);
        slot.worker.off('error', onError);
        slot.worker.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
        if (reusable) this.#release(slot);
        else void this.#kill(slot);
        resolve(result);
      };
      const onMessage = (message: RunResponse) => {
        if (message.type === 'result' && message.id === request.id) settle(message.result, !message.poisoned);
      };
      const stopped = (status: SandboxStatus, message: string): GuestResult => ({ status, message, tests: [], stdout: '', stderr: '', outputTruncated: false, exitCode: null });
      const onError = (error: Error) => settle(stopped(/memory/i.test(error.message) ? 'oom' : 'crashed', `sandbox worker crashed: ${error.message}`), false);
      const onExit = (code: number) => settle(stopped('crashed', `sandbox worker exited with code ${code}`), false);
      const onAbort = () => settle(stopped('crashed', 'cancelled: the run stopped the guest'), false);
      // The guest checks its own deadline; this timer is for code that never yields to it.
      const timer = setTimeout(
        () => settle(stopped('timeout', `killed after the ${request.timeoutMs} ms time limit`), false),
        request.timeoutMs + this.#killGraceMs,
      );
      slot.worker.ref();
      slot.worker.on('message', onMessage);
      slot.worker.on('error', onError);
      slot.worker.on('exit', onExit);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      slot.worker.postMessage(request);
    });
  }

  async #acquire(memoryBytes: number): Promise<Slot> {
    for (;;) {
      const index = this.#idle.findIndex((slot) => slot.memoryBytes === memoryBytes);
      if (index >= 0) return this.#idle.splice(index, 1)[0]!;
      if (this.#live < this.#maxWorkers) {
        const slot = this.#spawn(memoryBytes);
        try {
          await slot.ready;
        } catch (error) {
          await this.#kill(slot);
          throw error;
        }
        return slot;
      }
      // Every worker is busy, or idle with another memory ceiling: retire one idle worker or wait.
      const other = this.#idle.shift();
      if (other) {
        await this.#kill(other);
        continue;
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  #spawn(memoryBytes: number): Slot {
    this.#live += 1;
    const data: WorkerData = { wasmMemoryBytes: memoryBytes + HEADROOM_BYTES };
    const worker = new Worker(WORKER_ENTRY, {
      eval: FROM_SOURCE,
      workerData: data,
      execArgv: [],
      env: {},
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: { type?: string }) => {
        if (message.type !== 'ready') return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve();
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    return { worker, ready, memoryBytes };
  }

  #release(slot: Slot): void {
    if (this.#closed) {
      void this.#kill(slot);
      return;
    }
    // An idle worker must not keep the process alive.
    slot.worker.unref();
    this.#idle.push(slot);
    this.#waiting.shift()?.();
  }

  async #kill(slot: Slot): Promise<void> {
    this.#live -= 1;
    this.#waiting.shift()?.();
    await slot.worker.terminate().catch(() => undefined);
  }
}
