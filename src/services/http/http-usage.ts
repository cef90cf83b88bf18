import type { UsageTotals } from '../../core/run.js';
import type { UsageQueryInput } from '../usage-input.js';
import type { Usage } from '../usage.js';
import { queryString, type UmcaHttpClient } from './umca-http-client.js';

/** The usage totals of a running `umca serve`, over `/v1/usage`. */
export class HttpUsage implements Usage {
  constructor(private readonly http: UmcaHttpClient) {}

  async totals(query: UsageQueryInput): Promise<UsageTotals[]> {
    return (await this.http.json<{ data: UsageTotals[] }>('GET', `/v1/usage${queryString(query)}`)).data;
  }
}
