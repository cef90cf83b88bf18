import type { Principal } from '../core/principal.js';
import type { UsageTotals } from '../core/run.js';
import { validateInput } from '../core/validate-input.js';
import type { AccessGuard } from '../identity/access-guard.js';
import type { UsageStore } from '../store/usage-store.js';
import { usageQueryInput, type UsageQueryInput } from './usage-input.js';
import type { Usage } from './usage.js';

export interface UsageServiceDeps {
  store: Pick<UsageStore, 'queryUsage'>;
  access: Pick<AccessGuard, 'authorize'>;
  /** Writes the usage records the gateway still holds in its batch. */
  flush(): Promise<void>;
}

/** Usage totals, written once: `for(principal)` is the caller's view (see Usage). */
export class UsageService {
  constructor(private readonly deps: UsageServiceDeps) {}

  for(principal: Principal): Usage {
    const { store, access, flush } = this.deps;
    return {
      async totals(query: UsageQueryInput): Promise<UsageTotals[]> {
        const { group_by: groupBy, since, until } = validateInput(usageQueryInput, query);
        await access.authorize(principal, 'read-usage', { type: 'System', id: 'usage' });
        // Records are written in batches; what was metered until now counts.
        await flush();
        return store.queryUsage({ groupBy, ...(since ? { since } : {}), ...(until ? { until } : {}) });
      },
    };
  }
}
