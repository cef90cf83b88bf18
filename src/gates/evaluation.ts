import type { GateVerdict } from '../engine/gate.js';

/** One evaluator's finding: a score from 0 to 1 and why. */
export interface Evaluation {
  id: string;
  score: number;
  reason: string;
  /** A policy answer: a 0 blocks whatever the gate's threshold (only an override passes it). */
  hard?: boolean;
}

/**
 * A gate's verdict from its evaluations: the score is the lowest; the gate blocks under its
 * threshold, or on any hard evaluation that failed. A passing verdict still names what scored
 * under 1, so warnings are seen.
 */
export function verdictOf(evaluations: readonly Evaluation[], threshold: number): GateVerdict {
  const score = evaluations.length ? Math.min(...evaluations.map((e) => e.score)) : 1;
  const failing = evaluations.filter((e) => e.score < threshold || (e.hard === true && e.score < 1));
  const blocked = failing.length > 0;
  return {
    decision: blocked ? 'block' : 'pass',
    score,
    threshold,
    reasons: (blocked ? failing : evaluations.filter((e) => e.score < 1)).map((e) => e.reason),
    evaluators: evaluations.map(({ id, score: s, reason }) => ({ id, score: s, reason })),
  };
}

/** A list for a reason line: the first five items, then how many more. */
export function listed(items: readonly string[], max = 5): string {
  return items.length > max ? `${items.slice(0, max).join('; ')}; and ${items.length - max} more` : items.join('; ');
}

/** A quoted text cut for a reason line. */
export function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
