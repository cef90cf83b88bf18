import type { UsageRecord, UsageTotals } from '../core/run.js';

/** Model calls the gateway metered, their totals and costs, and the budget counters it checks. */
export interface UsageStore {
  /** Appends model-call usage records (the gateway batches them). */
  recordUsage(records: readonly UsageRecord[]): Promise<void>;
  /** The model spend of each of these runs (US dollars; runs without calls are left out). */
  runCosts(runIds: readonly string[]): Promise<Map<string, number>>;
  /** Totals per model reference or per UTC day, for calls in [since, until). */
  queryUsage(query: { since?: string; until?: string; groupBy: 'model' | 'day' }): Promise<UsageTotals[]>;

  /**
   * Adds each amount to its window's counter for `subject`, all or none, and only if every
   * counter stays within its limit. MUST hold exactly under concurrent callers (no overspend).
   * Returns the first window that would be exceeded, if any.
   */
  reserveBudget(subject: string, reservations: readonly BudgetReservation[]): Promise<{ ok: true } | { ok: false; kind: string; windowStart: string }>;
  /** Corrects reserved amounts once the real ones are known (never below zero). */
  adjustBudget(subject: string, adjustments: ReadonlyArray<{ kind: string; windowStart: string; delta: number }>): Promise<void>;
}

export interface BudgetReservation {
  /** e.g. `requests_per_min`. */
  kind: string;
  /** ISO time the fixed window starts. */
  windowStart: string;
  amount: number;
  limit: number;
}
