import type { BudgetLimits, UmcaConfig } from '../../core/config.js';
import { BudgetExceededError } from '../../core/errors.js';
import type { Store } from '../../store/store.js';
import type { BudgetReservation } from '../../store/usage-store.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

export interface Subject {
  /** `key:<hash>` or `role:<name>`. */
  id: string;
  limits: BudgetLimits;
}

export interface Reservation {
  entries: Array<{ subject: string; windows: BudgetReservation[] }>;
  tokens: number;
  costUsd: number;
}

/**
 * Per-key and per-role limits on requests/min, tokens/min and spend/day, enforced in the
 * store so they hold across processes and concurrent callers. A call reserves its request,
 * its prompt tokens plus its output cap, and the cost of that; afterwards the reservation
 * is settled to the real usage (or refunded, but for the request, if the call failed).
 */
export class BudgetGuard {
  readonly #store: Store;
  readonly #budgets: UmcaConfig['budgets'];
  readonly #now: () => number;

  constructor(deps: { store: Store; budgets: UmcaConfig['budgets']; now?: () => number }) {
    this.#store = deps.store;
    this.#budgets = deps.budgets;
    this.#now = deps.now ?? Date.now;
  }

  get defaultOutputTokens(): number {
    return this.#budgets.default_output_tokens;
  }

  /** The limited subjects a call belongs to, from its metadata. */
  subjects(metadata: Record<string, string | number> | undefined): Subject[] {
    const subjects: Subject[] = [];
    const key = metadata?.key;
    if (typeof key === 'string' && this.#budgets.per_key && hasLimits(this.#budgets.per_key)) subjects.push({ id: `key:${key}`, limits: this.#budgets.per_key });
    const role = metadata?.role;
    const roleLimits = typeof role === 'string' ? this.#budgets.roles[role as keyof UmcaConfig['budgets']['roles']] : undefined;
    if (roleLimits && hasLimits(roleLimits)) subjects.push({ id: `role:${role}`, limits: roleLimits });
    return subjects;
  }

  async reserve(subjects: readonly Subject[], tokens: number, costUsd: number): Promise<Reservation> {
    const now = this.#now();
    const minute = new Date(Math.floor(now / MINUTE) * MINUTE).toISOString();
    const day = new Date(Math.floor(now / DAY) * DAY).toISOString();
    const reservation: Reservation = { entries: [], tokens, costUsd };
    for (const subject of subjects) {
      const { limits } = subject;
      const windows: BudgetReservation[] = [];
      if (limits.requests_per_min) windows.push({ kind: 'requests_per_min', windowStart: minute, amount: 1, limit: limits.requests_per_min });
      if (limits.tokens_per_min) windows.push({ kind: 'tokens_per_min', windowStart: minute, amount: tokens, limit: limits.tokens_per_min });
      if (limits.usd_per_day) windows.push({ kind: 'usd_per_day', windowStart: day, amount: costUsd, limit: limits.usd_per_day });
      const result = await this.#store.reserveBudget(subject.id, windows);
      if (!result.ok) {
        // Give back what this call took from earlier subjects: it will not happen.
        await Promise.all(reservation.entries.map((entry) => this.#store.adjustBudget(entry.subject, entry.windows.map((w) => ({ kind: w.kind, windowStart: w.windowStart, delta: -w.amount })))));
        const length = result.kind === 'usd_per_day' ? DAY : MINUTE;
        const retryAfterMs = Date.parse(result.windowStart) + length - now;
        throw new BudgetExceededError(`${subject.id.replace(':', ' ')} would exceed its ${result.kind.replaceAll('_', ' ')} limit; retry in ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs);
      }
      reservation.entries.push({ subject: subject.id, windows });
    }
    return reservation;
  }

  /** Replaces the reserved tokens and cost with the real ones (or with none, for a failed call). */
  async settle(reservation: Reservation, actual: { tokens: number; costUsd: number }): Promise<void> {
    await Promise.all(
      reservation.entries.map((entry) =>
        this.#store.adjustBudget(
          entry.subject,
          entry.windows
            .filter((w) => w.kind !== 'requests_per_min')
            .map((w) => ({ kind: w.kind, windowStart: w.windowStart, delta: w.kind === 'tokens_per_min' ? actual.tokens - reservation.tokens : actual.costUsd - reservation.costUsd })),
        ),
      ),
    );
  }
}

function hasLimits(limits: BudgetLimits): boolean {
  return limits.requests_per_min !== undefined || limits.tokens_per_min !== undefined || limits.usd_per_day !== undefined;
}
