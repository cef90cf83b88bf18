import { languageOfJob } from './job-language.js';
import type { RuntimePreference } from '../core/run-options.js';
import type { SandboxJob, SandboxLane, SandboxLanguage, SandboxLimits } from './sandbox-lane.js';

export interface LaneSelectorOptions {
  /** The lanes this umca has; at most one per name. */
  lanes: SandboxLane[];
  /** Jobs with a longer time budget leave the WASM lanes. Default 60 s. */
  wasmMaxTimeoutMs?: number;
  /** The lane that runs process jobs: `process` (bubblewrap) or `gvisor`. Default `process` (config: sandbox.process_runtime). */
  processLane?: 'process' | 'gvisor';
}

export interface LaneRequest {
  job: SandboxJob;
  /** Default `auto`. `process` sends the job to the process lane; `wasm` refuses a job that needs more. */
  runtime?: RuntimePreference;
  /** The code needs native modules (C extensions, node addons) that WebAssembly cannot load. */
  nativeDependencies?: boolean;
}

export type LaneChoice =
  | { ok: true; lane: SandboxLane; language: SandboxLanguage; reason: string }
  | { ok: false; code: 'bad_job' | 'wasm_only' | 'no_lane'; message: string };

const WASM_LANE: Partial<Record<SandboxLanguage, string>> = { javascript: 'wasm-js', python: 'wasm-python' };
const LANGUAGE_NAME: Record<SandboxLanguage, string> = { javascript: 'JavaScript/TypeScript', python: 'Python', bash: 'bash' };

/**
 * The runtime selector: WASM lanes by default (JS/TS in wasm-js, Python in wasm-python) for
 * code without native dependencies, without network and with a time budget up to 60 s; the
 * process lane only for what needs it (or a run that asks for it), always with the reason,
 * which `sandbox.started` records. Whether the run's principal may use the lane chosen is
 * policy's question (`use-runtime`), asked by the G3 gate before any test runs.
 */
export class LaneSelector {
  readonly #lanes: Map<string, SandboxLane>;
  readonly #wasmMaxTimeoutMs: number;
  readonly #processLane: 'process' | 'gvisor';

  constructor(options: LaneSelectorOptions) {
    this.#lanes = new Map(options.lanes.map((lane) => [lane.name, lane]));
    this.#wasmMaxTimeoutMs = options.wasmMaxTimeoutMs ?? 60_000;
    this.#processLane = options.processLane ?? 'process';
  }

  /** The lanes this machine offers, by name. */
  get laneNames(): string[] {
    return [...this.#lanes.keys()];
  }

  select(request: LaneRequest): LaneChoice {
    const { language, error } = languageOfJob(request.job);
    if (!language) return { ok: false, code: 'bad_job', message: error! };
    const runtime = request.runtime ?? 'auto';
    if (runtime === 'gvisor') {
      const gvisor = this.#lanes.get('gvisor');
      if (!gvisor) return { ok: false, code: 'no_lane', message: 'the run asked for the process lane under gVisor, which is not available on this machine (install runsc)' };
      return { ok: true, lane: gvisor, language, reason: 'the run asked for the process lane under gVisor' };
    }
    const needs = runtime === 'process' ? 'the run asked for the process lane' : this.#processReason(request, language);
    if (!needs) {
      const lane = this.#lanes.get(WASM_LANE[language]!);
      if (lane) return { ok: true, lane, language, reason: `default lane for ${LANGUAGE_NAME[language]}: WebAssembly, no native dependencies, no network, time budget <= ${this.#wasmMaxTimeoutMs / 1000} s` };
    }
    const reason = needs ?? `no WebAssembly lane for ${LANGUAGE_NAME[language]} is configured`;
    if (runtime === 'wasm') return { ok: false, code: 'wasm_only', message: `this job needs the process lane (${reason}), but the run asked for WebAssembly only` };
    const processLane = this.#lanes.get(this.#processLane);
    if (!processLane) return { ok: false, code: 'no_lane', message: `this job needs the process lane${this.#processLane === 'gvisor' ? ' under gVisor' : ''} (${reason}), which is not available on this machine` };
    return { ok: true, lane: processLane, language, reason };
  }

  /** Starts the lane a job in `language` would most likely get, off the hot path. */
  async warm(language: SandboxLanguage, limits: SandboxLimits, runtime: RuntimePreference = 'auto'): Promise<void> {
    const processLane = this.#lanes.get(runtime === 'gvisor' ? 'gvisor' : this.#processLane);
    const preferred = runtime === 'process' || runtime === 'gvisor' ? undefined : this.#lanes.get(WASM_LANE[language] ?? this.#processLane);
    await (preferred ?? processLane)?.warm(limits);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#lanes.values()].map((lane) => lane.close()));
  }

  #processReason(request: LaneRequest, language: SandboxLanguage): string | undefined {
    if (request.job.command !== undefined) return `a repository's own test command (${request.job.command.slice(0, 100)}) runs only as a real process`;
    const grants = request.job.egress?.allowedOutboundHosts ?? [];
    if (grants.length > 0) return `network egress granted to ${grants.join(', ')}`;
    if (!WASM_LANE[language]) return `${LANGUAGE_NAME[language]} runs only as a real process`;
    if (request.nativeDependencies) return 'the code needs native dependencies';
    if (request.job.limits.timeoutMs > this.#wasmMaxTimeoutMs) return `its time budget (${request.job.limits.timeoutMs / 1000} s) is over ${this.#wasmMaxTimeoutMs / 1000} s`;
    return undefined;
  }
}
