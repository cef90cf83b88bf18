import type { UsageTotals } from '../core/run.js';
import type { UsageQueryInput } from './usage-input.js';

/** Model calls, tokens and spend, for one caller (`read-usage` on `System usage`). */
export interface Usage {
  /** Totals per model reference or per UTC day, for calls in [since, until); what was metered until now counts. */
  totals(query: UsageQueryInput): Promise<UsageTotals[]>;
}
