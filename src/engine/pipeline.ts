import type { EventDraft } from '../core/events.js';
import type { RunRecord } from '../core/run.js';
import type { ChatMessage, ChatResult, ModelProvider } from '../gateway/model-provider.js';
import type { SandboxLane, SandboxLimits } from '../sandbox/sandbox-lane.js';
import type { Gate } from './gate.js';

export type StepKind = 'agent' | 'gate' | 'sandbox' | 'artifacts';

/** What a step's body may do. Everything it records lands in the run's event log, in order. */
export interface StepScope {
  readonly step: string;
  readonly signal: AbortSignal;
  /** Records an event. It is stored in order, and durably no later than the step's completion. */
  emit(event: EventDraft): void;
  /** One model call, recorded as model.request / model.response. */
  chat(request: { role: string; turn: number; messages: ChatMessage[]; responseFormat?: 'text' | 'json' }): Promise<ChatResult>;
}

/** What a pipeline sees of its run. */
export interface RunContext {
  readonly run: RunRecord;
  readonly signal: AbortSignal;
  readonly model: ModelProvider;
  readonly sandbox: SandboxLane;
  readonly sandboxLimits: SandboxLimits;
  /** Where the run's files are written, `UMCA_HOME/runs/<id>`. */
  readonly artifactDir: string;
  /**
   * A durable step. If `key` has a checkpoint, returns it without running `body`;
   * otherwise runs `body`, then stores its result and `step.completed` in one commit.
   */
  step<T>(key: string, kind: StepKind, body: (scope: StepScope) => Promise<T>, options?: { attempt?: number }): Promise<T>;
  /** A durable gate step; a block ends the run as `blocked`. */
  gate<I>(gate: Gate<I>, input: I, options?: { step?: string }): Promise<void>;
  storeArtifacts(files: ReadonlyArray<{ path: string; content: string }>): Promise<Array<{ path: string; sha256: string; size: number }>>;
}

export type PipelineOutcome =
  | { status: 'completed'; attempts: number; artifacts: number }
  | { status: 'failed'; reason: string; code: string };

/** A pipeline is ordinary code over durable steps; re-running it after a crash is cheap. */
export type Pipeline = (context: RunContext) => Promise<PipelineOutcome>;
