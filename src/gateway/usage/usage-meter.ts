import type { Counter, Histogram } from 'prom-client';
import type { UmcaConfig } from '../../core/config.js';
import type { UsageRecord } from '../../core/run.js';
import type { Store } from '../../store/store.js';
import type { GatewayMetrics } from './gateway-metrics.js';

/** One label set's children of the gateway's metrics. */
interface Series {
  requests: Counter.Internal;
  tokensIn: Counter.Internal;
  tokensOut: Counter.Internal;
  cost: Counter.Internal;
  latency: Histogram.Internal<string>;
  ttft: Histogram.Internal<string>;
}

/**
 * Takes one usage record per model call: counts it in the metrics at once and writes it to
 * the store in batches, off the request's path. `flush()` writes what is pending.
 */
export class UsageMeter {
  readonly metrics: GatewayMetrics;
  readonly #store: Store;
  readonly #prices: UmcaConfig['prices'];
  readonly #onError: (error: unknown) => void;
  #pending: UsageRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  readonly #children = new Map<string, Series>();

  constructor(deps: { store: Store; metrics: GatewayMetrics; prices: UmcaConfig['prices']; onError?: (error: unknown) => void }) {
    this.#store = deps.store;
    this.metrics = deps.metrics;
    this.#prices = deps.prices;
    this.#onError = deps.onError ?? ((error) => process.emitWarning(`usage not recorded: ${String(error)}`));
  }

  /** Cost from the price table: by upstream model name, else by the reference the caller used. */
  cost(modelRef: string, upstreamModel: string, inputTokens: number, outputTokens: number): number {
    const price = this.#prices[upstreamModel] ?? this.#prices[modelRef];
    if (!price) return 0;
    return (inputTokens * price.input_per_mtok + outputTokens * price.output_per_mtok) / 1_000_000;
  }

  record(record: UsageRecord): void {
    const series = this.#series(record);
    series.requests.inc();
    series.tokensIn.inc(record.input_tokens);
    series.tokensOut.inc(record.output_tokens);
    if (record.cost_usd > 0) series.cost.inc(record.cost_usd);
    series.latency.observe(record.latency_ms / 1000);
    if (record.ttft_ms !== null) series.ttft.observe(record.ttft_ms / 1000);
    this.#pending.push(record);
    // Large batches, rarely: each write is a transaction of the embedded database.
    if (this.#pending.length >= 500) void this.flush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), 1_000);
      this.#timer.unref();
    }
  }

  /**
   * The labelled series a record counts in, looked up once per label set: prom-client hashes
   * a label object on every call, which showed in the gateway's allocation profile. Label
   * sets are few: configured models × providers × ok/error × cached.
   */
  #series(record: UsageRecord): Series {
    const key = `${record.model_ref}\u0000${record.provider}\u0000${record.status}\u0000${record.cached}`;
    let series = this.#children.get(key);
    if (!series) {
      const { metrics } = this;
      const model = record.model_ref;
      series = {
        requests: metrics.requests.labels({ model, provider: record.provider, status: record.status, cached: String(record.cached) }),
        tokensIn: metrics.tokens.labels({ model, direction: 'in' }),
        tokensOut: metrics.tokens.labels({ model, direction: 'out' }),
        cost: metrics.cost.labels({ model }),
        latency: metrics.latency.labels({ model }),
        ttft: metrics.ttft.labels({ model }),
      };
      this.#children.set(key, series);
    }
    return series;
  }

  /** Writes what is pending; resolves when every record taken so far is stored. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = [];
    this.#writing = this.#writing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.#store.recordUsage(batch);
      } catch (error) {
        this.#onError(error);
      }
    });
    return this.#writing;
  }
}
