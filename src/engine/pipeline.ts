import type { RunRecord } from '../core/run.js';
import type { ModelProvider } from '../gateway/model-provider.js';
import type { Principal } from '../core/principal.js';
import type { RunOptions } from '../core/run-options.js';
import type { LaneSelector } from '../sandbox/lane-selector.js';
import type { SandboxLimits } from '../sandbox/sandbox-lane.js';
import type { Gate } from './gate.js';
import type { StepScope } from './step-scope.js';

export type StepKind = 'agent' | 'gate' | 'sandbox' | 'ingest' | 'repo';


export interface StepOptions {
  /** Shown in events: the coder's 2nd attempt is `attempt: 2`. */
  attempt?: number;
  /**
   * The body acts on the world outside umca (a tool call with effects). It then starts only
   * once every earlier step's result is durable. Other bodies (model calls, sandboxed tests)
   * may overlap the previous checkpoint's write; their own records are stored after it.
   */
  external?: boolean;
}

/** What a pipeline sees of its run. */
export interface RunContext {
  readonly run: RunRecord;
  /** Who started the run. */
  readonly principal: Principal;
  /** What the run asked for beyond its spec: a runtime, network, reference documents. */
  readonly options: RunOptions;
  readonly signal: AbortSignal;
  /** The model a role calls: the run's model, unless the config maps the role to another. */
  modelFor(role: string): ModelProvider;
  readonly sandbox: LaneSelector;
  readonly sandboxLimits: SandboxLimits;
  /** The network this run's sandboxed jobs are granted (its own, or `sandbox.allowed_outbound_hosts`). */
  readonly sandboxEgress: readonly string[];
  /**
   * A durable step. If `key` has a checkpoint, returns it without running `body`;
   * otherwise runs `body`, then stores its result and `step.completed` in one commit,
   * ordered after everything recorded before it.
   */
  step<T>(key: string, kind: StepKind, body: (scope: StepScope) => Promise<T>, options?: StepOptions): Promise<T>;
  /** The run's last stored event once every earlier step is durable: the head of its hash chain. */
  logHead(): Promise<{ seq: number; hash: string } | undefined>;
  /** A durable gate step; a block ends the run as `blocked`. */
  gate<I>(gate: Gate<I>, input: I, options?: { step?: string }): Promise<void>;
}

/** A file a run produced; the engine stores it with the run's final event. */
export interface OutputFile {
  path: string;
  content: string;
}

export type PipelineOutcome =
  | { status: 'completed'; attempts: number; files: OutputFile[] }
  | { status: 'failed'; reason: string; code: string; files: OutputFile[] };

/** A pipeline is ordinary code over durable steps; re-running it after a crash is cheap. */
export type Pipeline = (context: RunContext) => Promise<PipelineOutcome>;
