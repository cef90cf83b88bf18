/**
 * A quality gate: a check a run must clear before it goes on. The engine records every
 * verdict as a `gate.decision` event; a `block` ends the run as `blocked`.
 */
import type { EventDraft } from '../core/events.js';

export interface GateVerdict {
  decision: 'pass' | 'block';
  /** 0..1, where the gate scores rather than just decides. */
  score?: number;
  /** Why, one line each; shown to users for a block. */
  reasons: string[];
  /** The score under which the gate blocks. */
  threshold?: number;
  /** Each evaluator's own score and reason. */
  evaluators?: Array<{ id: string; score: number; reason: string }>;
}

export interface GateContext {
  runId: string;
  signal: AbortSignal;
  /** Records an event in the gate's step (e.g. the policy decisions it asked for). */
  emit: (event: EventDraft) => void;
}

export interface Gate<Input> {
  /** Stable id, e.g. `g1-plan`; names the step and the event. */
  readonly id: string;
  /** MUST be deterministic for the same input so a resumed run decides the same way. */
  evaluate(input: Input, context: GateContext): Promise<GateVerdict>;
}
