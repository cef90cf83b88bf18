import type { UmcaConfig } from '../../core/config.js';
import type { UsageRecord } from '../../core/run.js';
import type { Store } from '../../store/store.js';
import type { GatewayMetrics } from './gateway-metrics.js';

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
    this.metrics.count(record);
    this.#pending.push(record);
    // Large batches, rarely: each write is a transaction of the embedded database.
    if (this.#pending.length >= 500) void this.flush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), 1_000);
      this.#timer.unref();
    }
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
