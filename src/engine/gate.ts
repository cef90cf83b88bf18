/**
 * A quality gate: a check a run must clear before it goes on. The engine records every
 * verdict as a `gate.decision` event; a `block` ends the run as `blocked`.
 */
import type { EventDraft } from '../core/events.js';
import type { StepScope } from './step-scope.js';

export interface GateVerdict {
  decision: 'pass' | 'block';
  /** 0..1, where the gate scores rather than just decides. */
  score?: number;
  /** Why, one line each; shown to users for a block (and, for a pass, what scored under 1). */
  reasons: string[];
  /** The score under which the gate blocks. */
  threshold?: number;
  /** Each evaluator's own score and reason. */
  evaluators?: Array<{ id: string; score: number; reason: string }>;
}

export interface GateContext {
  runId: string;
  /** The gate's step key, e.g. `gate:g3-code#2`; events the gate records name it. */
  step: string;
  signal: AbortSignal;
  /** Records an event in the gate's step (e.g. the policy decisions it asked for). */
  emit: (event: EventDraft) => void;
  /** One model call through the gateway (a judge), recorded as model.request / model.response. */
  chat: StepScope['chat'];
}

export interface Gate<Input> {
  /** Stable id, e.g. `g1-plan`; names the step and the event. */
  readonly id: string;
  /**
   * MUST be deterministic for the same input and the same model replies, so a resumed run
   * decides the same way (its verdict is checkpointed once decided).
   */
  evaluate(input: Input, context: GateContext): Promise<GateVerdict>;
}
